// superfluid monitor: Guest, one running guest (memory, VM, vCPU) built from
// an Image and a GuestConfig, and its vCPU loop.
//
// run() enters the guest and returns when something needs its driver: the
// guest exited or faulted (final), it is waiting in poll until a deadline
// (call run() again once the deadline has passed; meanwhile it holds no
// thread), or the run was interrupted (Vcpu::interrupt_current_thread()).
// A guest's mistakes are outcomes; Result errors are host failures.
//
// Threading: one thread at a time calls run(). Destroying the Guest frees
// everything it holds.
#pragma once

#include "common/result.h"
#include "vmm/console_sink.h"
#include "vmm/devices/nic.h"
#include "vmm/devices/store_port.h"
#include "vmm/elf_loader.h"
#include "vmm/guest_clock.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm.h"
#include "vmm/memory_template.h"
#include "vmm/shell.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sf::vmm {

struct GuestConfig {
    static constexpr uint64_t kDefaultMemSize = 4ull << 20;

    std::string name = "guest";
    std::string cmdline;
    uint64_t mem_size = kDefaultMemSize;
    uint64_t id = 1;
    // At most SF_NIC_MAX; the guest sees them as nics[0..]. The Guest detaches
    // them (Nic::detach) before its memory goes away.
    std::vector<std::shared_ptr<Nic>> nics;
    // The guest's way to the store (SF_HC_STORE); null: none (-SF_ENODEV).
    std::shared_ptr<StorePort> store;

    // Errors for a name or command line that does not fit the boot info, or a bad size.
    Result<void> validate() const;
};

struct RunOutcome {
    enum class Kind { Exited, Blocked, Faulted, Interrupted };
    Kind kind = Kind::Interrupted;
    int32_t status = 0;       // Exited
    uint64_t deadline_ns = 0; // Blocked: guest monotonic time to resume at
    std::string reason;       // Faulted: one line, with rip where the CPU faulted
};

class Guest {
  public:
    // Cold: creates the VM and vCPU and builds memory from the image.
    static Result<std::unique_ptr<Guest>> create(std::shared_ptr<const Kvm> kvm, const Image& image,
                                                 const GuestConfig& config, ConsoleSink& console);
    // Warm: uses a pre-created shell and a prepared template (config.mem_size
    // must be the template's).
    static Result<std::unique_ptr<Guest>> create(Shell shell, const MemoryTemplate& memory_template,
                                                 const GuestConfig& config, ConsoleSink& console);

    ~Guest();
    Guest(const Guest&) = delete;
    Guest& operator=(const Guest&) = delete;

    Result<RunOutcome> run();

    const GuestConfig& config() const { return config_; }
    const GuestClock& clock() const { return clock_; }
    bool finished() const { return finished_; }

  private:
    Guest(GuestConfig config, GuestMemory memory, Shell shell, ConsoleSink& console);
    static Result<std::unique_ptr<Guest>> assemble(Shell shell, GuestMemory memory, uint64_t entry,
                                                   const GuestConfig& config, ConsoleSink& console);
    void write_boot_info(uint64_t tsc_hz);
    std::optional<RunOutcome> handle_io();
    Result<RunOutcome> describe_fault();
    std::optional<RunOutcome> finish_poll();

    GuestConfig config_;
    GuestMemory memory_;
    Vm vm_;
    Vcpu vcpu_;
    GuestClock clock_;
    ConsoleSink& console_;
    bool finished_ = false;
    struct BlockedPoll {
        uint64_t gpa;      // its argument struct
        uint64_t deadline; // guest monotonic
    };
    std::optional<BlockedPoll> blocked_poll_; // the poll run() last returned Blocked for
};

} // namespace sf::vmm
