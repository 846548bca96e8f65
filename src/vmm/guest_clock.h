// superfluid monitor: GuestClock, a guest's monotonic clock.
//
// Guest monotonic time counts nanoseconds from the guest's start, read from
// the host's CLOCK_MONOTONIC. Poll deadlines are on this clock.
#pragma once

#include <cstdint>
#include <ctime>

namespace sf::vmm {

inline uint64_t host_monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t host_wall_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class GuestClock {
  public:
    GuestClock() : host_start_ns_(host_monotonic_ns()) {}
    uint64_t now_ns() const { return host_monotonic_ns() - host_start_ns_; }
    // The host CLOCK_MONOTONIC time at which guest time reads `guest_ns`.
    uint64_t to_host_ns(uint64_t guest_ns) const {
        return guest_ns > UINT64_MAX - host_start_ns_ ? UINT64_MAX : guest_ns + host_start_ns_;
    }

  private:
    uint64_t host_start_ns_;
};

} // namespace sf::vmm
