// superfluid monitor: GuestMemory, a guest's RAM.
//
// One mapping, lazily backed (a page costs host memory only once touched),
// guest-physical address 0 at offset 0. MemorySharing::Private: anonymous
// private memory (KVM maps this process's pages). MemorySharing::Shared: a
// memfd mapped shared, so that another process (the process backend's
// sandbox) maps the same pages; shared_fd() is that memfd.
//
// layout() says how the guest may access each range (the same permissions
// its page tables give it under KVM), for backends that enforce them with
// host page protections.
//
// Two ways in, on purpose:
//  - guest_span() is THE checked accessor for addresses that come from the
//    guest (hypercall arguments). It refuses anything outside the guest's own
//    range (see abi.h: reads may also see the boot info page) and any
//    overflowing range. Nothing else turns a guest address into a pointer.
//  - monitor_bytes() is the whole mapping, for the monitor's own set-up
//    (page tables, boot info, loading the image) before the guest runs.
// A handler that checks fields of its argument struct and then uses them
// checks and uses a copy_from_guest() of it: memory the guest shares may
// change between two reads of the same field.
//
// Snapshots: touched_pages() lists the guest-range pages that exist (were
// ever touched); while dirty tracking is on, pages the checked accessor hands
// out for writing are marked in a host-side DirtyBitmap (KVM's dirty log does
// not see the monitor's writes).
//
// Threading: the vCPU is stopped while a hypercall runs, so a span taken in a
// handler does not race the guest. Spans die with the GuestMemory.
#pragma once

#include "common/mapping.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/dirty_bitmap.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

namespace sf::vmm {

enum class Access { Read, Write };
enum class MemorySharing { Private, Shared };

// [gpa, gpa + len) with the guest's access: SegmentPerm bits (elf_loader.h), 0 for none.
struct MemoryRegion {
    uint64_t gpa;
    uint64_t len;
    uint32_t perms;
};

class GuestMemory {
  public:
    // size must be a multiple of 4 KiB within [SF_MEM_MIN, SF_MEM_MAX].
    static Result<GuestMemory> create(uint64_t size, MemorySharing sharing = MemorySharing::Private);
    // The error create() would give for this size, if any.
    static Result<void> check_size(uint64_t size);

    uint64_t size() const { return mapping_.size(); }
    uint8_t* host_base() const { return mapping_.data(); }
    std::span<uint8_t> monitor_bytes() const { return mapping_.bytes(); }

    // The checked accessor: [gpa, gpa + len) as host bytes, or nullopt when the
    // range is not the guest's to `access`.
    std::optional<std::span<uint8_t>> guest_span(uint64_t gpa, uint64_t len, Access access) const;

    // A naturally aligned T at gpa, through guest_span().
    template <typename T> T* guest_struct(uint64_t gpa, Access access) const {
        static_assert(std::is_trivially_copyable_v<T>);
        if (gpa % alignof(T) != 0) return nullptr;
        auto span = guest_span(gpa, sizeof(T), access);
        return span ? reinterpret_cast<T*>(span->data()) : nullptr;
    }

    uint64_t page_count() const { return size() / 4096; }

    MemorySharing sharing() const {
        return shared_fd_.valid() ? MemorySharing::Shared : MemorySharing::Private;
    }
    // Shared memory's memfd; -1 for private memory.
    int shared_fd() const { return shared_fd_.get(); }
    // Sorted, non-overlapping ranges covering [0, size()); empty until set.
    const std::vector<MemoryRegion>& layout() const { return layout_; }
    void set_layout(std::vector<MemoryRegion> layout) { layout_ = std::move(layout); }

    // Indices of the pages of the guest's own range [SF_GUEST_BASE_GPA, size())
    // that the guest or the monitor ever touched: for private memory those
    // with a page table entry in this process, present or swapped
    // (/proc/self/pagemap; where it cannot be read, mincore(), which misses
    // swapped pages); for shared memory those the memfd holds (mincore(),
    // whoever touched them). Template pages
    // never touched here are left out: a receiver starts from the same
    // template (Guest::restore). The monitor range and the boot info page are
    // never listed: a receiver builds its own.
    // Precondition: nothing maps or unmaps the memory meanwhile.
    [[nodiscard]] Result<std::vector<uint64_t>> touched_pages() const;

    // Host-side dirty tracking (see the file comment), from any thread (the
    // vCPU may run). start clears the bitmap.
    void start_dirty_tracking() { dirty_->start(); }
    void stop_dirty_tracking() { dirty_->stop(); }
    bool dirty_tracking() const { return dirty_->enabled(); }
    // Pages written through the checked accessor since the last call (or the
    // start), ascending. One caller at a time.
    std::vector<uint64_t> take_host_dirty_pages() { return dirty_->take(); }

  private:
    GuestMemory(Mapping mapping, UniqueFd shared_fd)
        : mapping_(std::move(mapping)), shared_fd_(std::move(shared_fd)),
          dirty_(std::make_unique<DirtyBitmap>(mapping_.size() / 4096)) {}
    Mapping mapping_;
    UniqueFd shared_fd_;
    std::vector<MemoryRegion> layout_;
    std::unique_ptr<DirtyBitmap> dirty_; // size()/4096 bits (128 bytes for 4 MiB)
};

// A copy of `in_guest` (a struct in guest memory) read once. The compiler
// barrier keeps the compiler from reading a field from guest memory again
// instead of from the copy: a check of the copy then holds for its use.
template <typename T> T copy_from_guest(const T& in_guest) {
    static_assert(std::is_trivially_copyable_v<T>);
    T copy;
    std::memcpy(&copy, &in_guest, sizeof copy);
    asm volatile("" ::: "memory");
    return copy;
}

} // namespace sf::vmm
