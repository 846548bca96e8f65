// superfluid monitor: SnapshotLoader, collects a guest's monitor records.
//
// The restoring side (the worker) reads the guest part of a stream record by
// record and offers each to the loader; the loader takes the monitor's
// records (Memory, GuestState, Vcpu, Nic, StorePort), checks each fully
// (sizes, flags, addresses through the checked accessor, the vCPU rule of
// x86_64/vcpu_record_x86_64.h), and leaves the others (Console, Watches,
// GuestEnd, ...) to the caller:
//
//   GuestMemory memory = ...;  // the image's template for config.mem_size
//   SnapshotLoader loader(memory);
//   for (;;) {
//       SF_TRY_ASSIGN(Record r, reader.next(&memory)); // pages go straight in
//       SF_TRY_ASSIGN(bool taken, loader.accept(r));
//       if (!taken && r.tag == Tag::GuestEnd) break;  // else: Console, Watches: the worker's
//   }
//   SF_TRY_ASSIGN(GuestSnapshot snap, std::move(loader).finish());
//   SF_TRY_ASSIGN(auto guest, Guest::restore(shell, std::move(memory), config, console, snap));
//
// Records may come in any order (a Memory record after the Vcpu record is
// fine; pages sent twice: the later wins). A duplicate GuestState, Vcpu,
// StorePort or Nic of one index is refused.
//
// Threading: one thread; the memory must not be in use by a running guest.
#pragma once

#include "common/result.h"
#include "vmm/guest_memory.h"
#include "vmm/snapshot/guest_snapshot.h"
#include "vmm/snapshot/reader.h"

#include <span>

namespace sf::vmm::snapshot {

class SnapshotLoader {
  public:
    explicit SnapshotLoader(GuestMemory& memory) : memory_(memory) {}

    // true: a monitor record, taken (a Memory record read as bytes is checked
    // and copied into the memory; one read by Reader::next(&memory) is counted).
    // false: not the monitor's. Error: malformed, refused or a duplicate.
    [[nodiscard]] Result<bool> accept(const Record& record);

    // The collected state. Errors when GuestState or Vcpu is missing, the Nic
    // records are not exactly 0 .. nic_count - 1, or a StorePort record
    // disagrees with kGuestHasStore.
    [[nodiscard]] Result<GuestSnapshot> finish() &&;

  private:
    Result<void> accept_memory(const Record& record);
    Result<void> accept_guest_state(std::span<const uint8_t> payload);
    Result<void> accept_vcpu(std::span<const uint8_t> payload);
    Result<void> accept_nic(std::span<const uint8_t> payload);
    Result<void> accept_store(std::span<const uint8_t> payload);

    GuestMemory& memory_;
    GuestSnapshot snapshot_;
    bool have_state_ = false;
    bool have_vcpu_ = false;
    uint32_t nic_seen_ = 0; // bit i: Nic record of index i taken
};

} // namespace sf::vmm::snapshot
