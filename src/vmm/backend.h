// superfluid monitor: the backend seam. How a guest's code is run: on a KVM
// vCPU (vmm/kvm/), or as a sandboxed Linux process where there is no usable
// /dev/kvm (vmm/process/). Everything above the monitor (Guest, the worker,
// sfd) sees only these two interfaces.
//
// - A Backend is opened once per process and is read-only afterwards (share it
//   across threads). It makes Cpus and says how guest memory must be backed.
// - A Cpu runs one guest: KVM's VM + vCPU, or one sandbox process. It is made
//   empty (a "shell", which the worker's pool keeps warm), given its memory
//   once (attach_memory), given its registers (reset / restore_state), then
//   run() exit after exit by one thread at a time.
//
// Exits are the same on both backends: a port I/O access (a hypercall or not:
// Guest decides), a fault (one line ending with the address where the CPU
// was), or an interruption (interrupt_current_cpu()).
//
// Isolation differs, and is said wherever the backend is chosen: a KVM guest
// is a VM; a process guest is a Linux process under a seccomp filter
// (docs/process-backend.md).
#pragma once

#include "common/result.h"
#include "vmm/guest_memory.h"
#include "vmm/x86_64/vcpu_record_x86_64.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::vmm {

enum class BackendKind { Kvm, Process };
// What a user asks for: one kind, or the best one that works here.
enum class BackendChoice { Auto, Kvm, Process };

std::string_view backend_name(BackendKind kind);
// "kvm", "process", "auto"; nullopt for anything else.
std::optional<BackendChoice> parse_backend_choice(std::string_view name);
std::string_view backend_choice_name(BackendChoice choice);

// One port I/O access the guest made (an `in` or `out` instruction).
struct IoAccess {
    uint16_t port = 0;
    bool out = false;
    uint8_t size = 0;   // bytes: 1, 2 or 4
    uint32_t count = 1; // > 1 for string I/O
    uint32_t value = 0; // out of 4 bytes: the value written
};

struct CpuExit {
    enum class Kind { Io, Fault, Interrupted };
    Kind kind = Kind::Interrupted;
    IoAccess io;       // Io
    std::string fault; // Fault: one line, ending with " at rip=0x..."
};

class Cpu {
  public:
    virtual ~Cpu() = default;

    // Gives the empty Cpu its memory (once). The memory must outlive the Cpu
    // and be of the backend's memory_sharing().
    [[nodiscard]] virtual Result<void> attach_memory(const GuestMemory& memory) = 0;
    // Registers for a guest's first instruction: CPL 3, flat, RIP = entry,
    // RSP = stack_top, RDI = boot_info_gpa.
    [[nodiscard]] virtual Result<void> reset(uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) = 0;
    // The TSC frequency the guest sees, in Hz.
    [[nodiscard]] virtual Result<uint64_t> tsc_hz() const = 0;
    // Makes the guest's TSC run at saved_hz, or says why it cannot.
    [[nodiscard]] virtual Result<void> match_tsc_hz(uint64_t saved_hz) = 0;

    // Runs until the next exit. Errors are host failures.
    [[nodiscard]] virtual Result<CpuExit> run() = 0;
    [[nodiscard]] virtual Result<uint64_t> rip() const = 0;
    // Moves past the instruction of the last Io exit without running guest
    // code (KVM completes an `out` only on the next entry); idempotent.
    // Before reading the state to save.
    [[nodiscard]] virtual Result<void> complete_pending_exit() = 0;

    // Snapshot state in the Vcpu record's form (x86_64/vcpu_state_x86_64.h),
    // the same on both backends. restore_state() takes only the CPL 3 part
    // (the record was checked with check_vcpu_record) and returns the guest's
    // TSC right after (see restore_vcpu_state()).
    [[nodiscard]] virtual Result<x86_64::VcpuRecord> save_state() = 0;
    [[nodiscard]] virtual Result<uint64_t> restore_state(const x86_64::VcpuRecord& record,
                                                         uint64_t mem_size) = 0;

    // Dirty logging of the guest's own writes (live migration; see vm.h).
    virtual bool has_dirty_log() const = 0;
    // A backend without it says so in the error (ErrorKind::Conflict).
    [[nodiscard]] virtual Result<void> enable_dirty_log(const GuestMemory& memory) = 0;
    [[nodiscard]] virtual Result<void> disable_dirty_log() = 0;
    [[nodiscard]] virtual Result<std::vector<uint64_t>> dirty_pages() = 0;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual BackendKind kind() const = 0;
    // An empty Cpu (a shell). Holds two file descriptors on either backend.
    [[nodiscard]] virtual Result<std::unique_ptr<Cpu>> create_cpu() const = 0;
    // How guest memory must be mapped for this backend's Cpus.
    virtual MemorySharing memory_sharing() const = 0;
    // One line for logs and /v1/host: the backend and what isolates a guest.
    virtual std::string describe() const = 0;
};

struct BackendOptions {
    BackendChoice choice = BackendChoice::Auto;
    std::string kvm_device = "/dev/kvm";
    // The sandbox program of the process backend; empty: sf-sandbox beside
    // this program's executable.
    std::string sandbox_path;
    // Run one sandbox through its set-up before saying the process backend
    // works (about 1 ms; always done for Auto).
    bool probe = false;
};

// Opens the backend asked for. Auto: KVM where it is usable, else the process
// backend. The error, when none works, is one line naming each reason.
[[nodiscard]] Result<std::shared_ptr<const Backend>> open_backend(const BackendOptions& options);

// Async-signal-safe: makes the Cpu running (or about to run) on the calling
// thread return an Interrupted exit, whatever its backend.
void interrupt_current_cpu();

} // namespace sf::vmm
