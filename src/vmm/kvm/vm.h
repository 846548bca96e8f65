// superfluid monitor: Vm, one KVM virtual machine (its fd and memory slot).
//
// Dirty logging (live migration): enable_dirty_log() turns on
// KVM_MEM_LOG_DIRTY_PAGES on slot 0; dirty_pages() returns the pages the
// guest wrote since the last call (or since enabling) and resets the log
// (KVM_GET_DIRTY_LOG). Only the guest's writes are logged, not the monitor's
// (see GuestMemory's DirtyBitmap).
//
// Threading: any thread, one at a time; the vCPU may run meanwhile.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm/kvm.h"

#include <cstdint>
#include <vector>

namespace sf::vmm {

class Vm {
  public:
    static Result<Vm> create(const Kvm& kvm);

    // Maps `memory` at guest-physical 0 in slot 0. The memory must outlive the Vm.
    Result<void> set_memory(const GuestMemory& memory);

    // Precondition for the three: set_memory() was called with this memory.
    [[nodiscard]] Result<void> enable_dirty_log(const GuestMemory& memory);
    [[nodiscard]] Result<void> disable_dirty_log();
    // Page indices the guest dirtied, ascending; resets the log. Error when not logging.
    [[nodiscard]] Result<std::vector<uint64_t>> dirty_pages();
    bool dirty_logging() const { return logging_; }

    int fd() const { return fd_.get(); }

  private:
    explicit Vm(UniqueFd fd) : fd_(std::move(fd)) {}
    Result<void> set_slot(uint32_t flags);
    UniqueFd fd_;
    uint64_t memory_size_ = 0; // slot 0, as set_memory() made it
    uint64_t memory_host_ = 0;
    bool logging_ = false;
};

} // namespace sf::vmm
