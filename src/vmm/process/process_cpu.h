// superfluid process backend: ProcessCpu, one guest's Cpu as a sandbox process.
//
// create() starts a sandbox that waits for its memory (a pooled shell);
// attach_memory() sends it the guest memory's memfd and layout and waits until
// it is mapped. This object keeps the guest's registers and FPU state while the
// guest is stopped; run() sends them (RUN), waits for the next stop and turns
// it into an exit: #GP on port I/O -> an Io exit (RIP moved past it once
// complete_pending_exit() or the next run() comes), any other trap -> a Fault
// naming it, the interrupt signal -> Interrupted.
//
// Interruption: interrupt_current_thread() (from a signal handler on the
// thread in run()) makes run() signal the sandbox (SF_SANDBOX_INTERRUPT_SIGNAL);
// the sandbox stops at once and run() returns Interrupted. A signal that lands
// before run() blocks is seen by the next wake-up: callers repeat it (as
// ThreadAlarm does).
//
// Ownership: two descriptors (the channel and a pidfd). Destroying a
// ProcessCpu kills and reaps its sandbox.
//
// Threading: as Cpu; one thread at a time.
#pragma once

#include "common/unique_fd.h"
#include "vmm/backend.h"
#include "vmm/process/sandbox_protocol.h"

#include <sys/types.h>

#include <span>
#include <string>

namespace sf::vmm {

class ProcessCpu final : public Cpu {
  public:
    static Result<std::unique_ptr<Cpu>> create(const std::string& sandbox_path, uint64_t tsc_hz);
    ~ProcessCpu() override;

    Result<void> attach_memory(const GuestMemory& memory) override;
    Result<void> reset(uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) override;
    Result<uint64_t> tsc_hz() const override { return tsc_hz_; }
    Result<void> match_tsc_hz(uint64_t saved_hz) override;
    Result<CpuExit> run() override;
    Result<uint64_t> rip() const override { return regs_.rip; }
    Result<void> complete_pending_exit() override;
    Result<x86_64::VcpuRecord> save_state() override;
    Result<uint64_t> restore_state(const x86_64::VcpuRecord& record, uint64_t mem_size) override;
    bool has_dirty_log() const override { return false; }
    Result<void> enable_dirty_log(const GuestMemory& memory) override;
    Result<void> disable_dirty_log() override { return ok(); }
    Result<std::vector<uint64_t>> dirty_pages() override;

    pid_t pid() const { return pid_; }

    // Async-signal-safe: see the file comment.
    static void interrupt_current_thread();

  private:
    ProcessCpu(UniqueFd channel, UniqueFd pidfd, pid_t pid, uint64_t tsc_hz)
        : channel_(std::move(channel)), pidfd_(std::move(pidfd)), pid_(pid), tsc_hz_(tsc_hz) {}
    Result<sf_sandbox_stop> next_stop();
    Result<CpuExit> exit_of(const sf_sandbox_stop& stop);
    CpuExit fault_of(const sf_sandbox_stop& stop) const;
    std::string death();

    UniqueFd channel_;
    UniqueFd pidfd_;
    pid_t pid_;
    uint64_t tsc_hz_;
    std::span<const uint8_t> guest_bytes_; // the guest memory's mapping here (it outlives this Cpu)
    sf_sandbox_regs regs_{};
    uint8_t fxsave_[512]{};
    uint8_t pending_advance_ = 0; // bytes of the `out` of the last Io exit, not yet passed
    bool dead_ = false;
};

} // namespace sf::vmm
