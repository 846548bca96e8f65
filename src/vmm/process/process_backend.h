// superfluid process backend: ProcessBackend, guests as sandboxed Linux
// processes, where there is no usable /dev/kvm (docs/process-backend.md).
//
// Each guest is one sf-sandbox process (sandbox/sandbox_main.cpp): its own
// address space with the guest's memory (a memfd this process maps too) at
// the guest's addresses, under a seccomp filter that lets it make no system
// call of its own. Its hypercalls trap to the sandbox's handler, which hands
// the CPU state to this process over a socket; the monitor serves them with
// the same hypercall table as under KVM (ProcessCpu).
//
// Isolation is the process boundary plus the filter: weaker than a VM (a
// kernel bug reachable from user mode with four system calls allowed, from
// one instruction each, is a way out).
//
// Threading: read-only after open(); share it.
#pragma once

#include "vmm/backend.h"

#include <memory>
#include <string>

namespace sf::vmm {

class ProcessBackend final : public Backend {
  public:
    // Checks that the sandbox program is there (with `probe`, runs one through
    // its whole set-up), and measures the TSC frequency (the guest's rdtsc is
    // the host's).
    static Result<std::shared_ptr<const ProcessBackend>> open(const std::string& sandbox_path, bool probe);

    BackendKind kind() const override { return BackendKind::Process; }
    Result<std::unique_ptr<Cpu>> create_cpu() const override;
    MemorySharing memory_sharing() const override { return MemorySharing::Shared; }
    std::string describe() const override;

    const std::string& sandbox_path() const { return sandbox_path_; }
    uint64_t tsc_hz() const { return tsc_hz_; }

  private:
    ProcessBackend() = default;
    std::string sandbox_path_;
    uint64_t tsc_hz_ = 0;
};

// The host TSC's frequency in Hz, measured against CLOCK_MONOTONIC_RAW once
// per process (about 2 ms), rounded to a kHz.
uint64_t host_tsc_hz();

} // namespace sf::vmm
