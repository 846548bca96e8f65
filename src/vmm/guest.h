// superfluid monitor: Guest, one running guest (memory, devices and a Cpu of
// either backend, backend.h) built from an Image and a GuestConfig, and its
// run loop.
//
// run() enters the guest and returns when something needs its driver: the
// guest exited or faulted (final), it is waiting in poll until a deadline
// (call run() again once the deadline has passed; meanwhile it holds no
// thread), or the run was interrupted (Vcpu::interrupt_current_thread()).
// A guest's mistakes are outcomes; Result errors are host failures.
//
// Threading: one thread at a time calls run(). Destroying the Guest frees
// everything it holds.
//
// Snapshots and migration (docs/migration.md, docs/snapshot-format.md):
// - save_state() writes the monitor's records. Precondition: no thread is in
//   run() (the caller paused the guest) and it has not finished. It first
//   completes the pending hypercall exit (Vcpu::complete_pending_exit), so the
//   guest may be run again afterwards (save --keep) or destroyed.
// - A save: header (sfd), touched_pages() with Writer::pages (PageCheck::Full),
//   save_state(), then the worker's records.
// - A migration: enable_dirty_log(); pages of touched_pages() (PageCheck::Live,
//   the guest runs); rounds of take_dirty_pages() (Live); pause; a last
//   take_dirty_pages() (Full); save_state(); disable_dirty_log().
//   enable_dirty_log(), take_dirty_pages() and disable_dirty_log() may be
//   called from one thread while another runs the guest.
// - NIC rings are written by other threads at any time, so touched_pages()
//   and take_dirty_pages() leave them out and save_state() sends them itself
//   (Live), after the Nic records (so the rings are never older than the
//   saved indices).
// - restore() builds a guest that continues exactly: same registers, clock
//   and TSC going on from the saved values, parked in the same poll with the
//   same deadline (blocked_deadline()), NICs attached at the same rings with
//   the same indices, store events queued. Where the host ignores TSC writes,
//   the clock follows the guest's TSC instead (tsc_continued()).
#pragma once

#include "common/result.h"
#include "vmm/backend.h"
#include "vmm/console_sink.h"
#include "vmm/devices/nic.h"
#include "vmm/devices/store_port.h"
#include "vmm/elf_loader.h"
#include "vmm/guest_clock.h"
#include "vmm/guest_memory.h"
#include "vmm/memory_template.h"
#include "vmm/shell.h"
#include "vmm/snapshot/guest_snapshot.h"
#include "vmm/snapshot/writer.h"

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
    // Cold: creates the Cpu and builds memory from the image.
    static Result<std::unique_ptr<Guest>> create(std::shared_ptr<const Backend> backend, const Image& image,
                                                 const GuestConfig& config, ConsoleSink& console);
    // Warm: uses a pre-created shell and a prepared template (config.mem_size
    // must be the template's; the memory is instantiated as the shell's
    // backend needs it).
    static Result<std::unique_ptr<Guest>> create(Shell shell, MemorySharing sharing,
                                                 const MemoryTemplate& memory_template,
                                                 const GuestConfig& config, ConsoleSink& console);

    ~Guest();
    Guest(const Guest&) = delete;
    Guest& operator=(const Guest&) = delete;

    // Restore: builds a guest in `shell` from a snapshot (snapshot/loader.h)
    // whose pages are already in `memory`. `memory` must otherwise be as a
    // fresh guest of the same image and config.mem_size starts (the image's
    // MemoryTemplate::instantiate(), or build_address_space + load_into): the
    // monitor range and page tables are this host's, never the stream's. The
    // boot info is written anew from `config` (its name and id may differ).
    // config.nics and config.store are fresh devices, matching the snapshot's
    // (same NIC count; a store if it had one). Errors: a mismatch, the TSC
    // frequency of this host differs from the saved one (and KVM cannot scale
    // it), or a record refused by the vCPU rule. The guest is not started.
    static Result<std::unique_ptr<Guest>> restore(Shell shell, GuestMemory memory, const GuestConfig& config,
                                                  ConsoleSink& console,
                                                  const snapshot::GuestSnapshot& snapshot);

    Result<RunOutcome> run();

    const GuestConfig& config() const { return config_; }
    const GuestClock& clock() const { return clock_; }
    bool finished() const { return finished_; }

    // --- Snapshots (see the file comment for the order of calls) ---
    const GuestMemory& memory() const { return memory_; }
    // After restore(): true when the guest's TSC continued from its saved
    // value (guest time stood still while saved, for rdtsc and the clock
    // alike); false where the host ignores TSC writes (the nested KVM here):
    // then the clock moved on as far as the guest's TSC did, so both agree.
    bool tsc_continued() const { return tsc_continued_; }
    // The deadline (guest monotonic) of the poll the guest is parked in, or nullopt.
    std::optional<uint64_t> blocked_deadline() const;
    // memory().touched_pages() without the NIC rings' pages.
    [[nodiscard]] Result<std::vector<uint64_t>> touched_pages() const;
    // The GuestState, Vcpu, Nic (one per NIC) and StorePort records, then the
    // NIC rings' pages. Not the rest of memory, not the console.
    [[nodiscard]] Result<void> save_state(snapshot::Writer& writer);
    // Whether the backend logs the guest's writes (KVM does; the process
    // backend does not: a migration then stops the guest and copies
    // touched_pages()).
    bool has_dirty_log() const { return cpu_->has_dirty_log(); }
    // The Cpu's dirty log (KVM's on slot 0) and the monitor's DirtyBitmap.
    [[nodiscard]] Result<void> enable_dirty_log();
    [[nodiscard]] Result<void> disable_dirty_log();
    // While logging: pages dirtied since the last call (or enabling), by the
    // guest (KVM's log) or the monitor (DirtyBitmap), ascending, unique,
    // inside the guest's range, without the NIC rings' pages (save_state()
    // sends those). Resets both logs.
    [[nodiscard]] Result<std::vector<uint64_t>> take_dirty_pages();

  private:
    Guest(GuestConfig config, GuestMemory memory, Shell shell, ConsoleSink& console);
    static Result<std::unique_ptr<Guest>> assemble(Shell shell, GuestMemory memory, uint64_t entry,
                                                   const GuestConfig& config, ConsoleSink& console);
    void write_boot_info(uint64_t tsc_hz);
    std::optional<RunOutcome> handle_io(const IoAccess& io);
    std::optional<RunOutcome> finish_poll();
    std::vector<uint64_t> without_ring_pages(std::vector<uint64_t> pages) const;
    Result<void> restore_devices(const snapshot::GuestSnapshot& snapshot);
    void follow_tsc(uint64_t saved_tsc, uint64_t tsc_now, const snapshot::GuestStateRecord& state);

    GuestConfig config_;
    GuestMemory memory_;
    std::unique_ptr<Cpu> cpu_;
    GuestClock clock_;
    ConsoleSink& console_;
    bool finished_ = false;
    bool tsc_continued_ = true;
    struct BlockedPoll {
        uint64_t gpa;      // its argument struct
        uint64_t deadline; // guest monotonic
    };
    std::optional<BlockedPoll> blocked_poll_; // the poll run() last returned Blocked for
};

} // namespace sf::vmm
