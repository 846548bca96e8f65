// superfluid monitor: DirtyBitmap, the pages of guest memory the monitor wrote.
//
// KVM's dirty log sees only the guest's own writes. While dirty tracking is
// on, GuestMemory marks here every page handed out by its checked accessor
// for writing (hypercall results), so a migration resends them too. NIC RX
// rings are written through long-lived pointers instead; they are named by
// the NICs (Nic::ring_range) and handled by Guest.
//
// Threading: every call from any thread (bits and the switch are atomics);
// take() from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace sf::vmm {

class DirtyBitmap {
  public:
    explicit DirtyBitmap(uint64_t pages);

    // Clears the bits, then marks from now on.
    void start();
    void stop();
    bool enabled() const { return enabled_.load(std::memory_order_acquire); }
    // When enabled: marks the pages of [gpa, gpa + len) (inside the memory).
    void mark(uint64_t gpa, uint64_t len);
    // The marked page indices, ascending, and clears them.
    std::vector<uint64_t> take();

  private:
    std::atomic<bool> enabled_{false};
    uint64_t pages_;
    size_t words_;
    std::unique_ptr<std::atomic<uint64_t>[]> bits_;
};

} // namespace sf::vmm
