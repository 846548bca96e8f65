// superfluid monitor: GuestClock, a guest's monotonic clock.
//
// Guest monotonic time counts nanoseconds from the guest's start, read from
// the host's CLOCK_MONOTONIC. Poll deadlines are on this clock.
//
// Snapshots: save() is the guest time to record; resumed_at() makes a clock
// that continues from a recorded time, so guest time stands still while a
// guest is saved or in flight (the TSC does the same: x86_64/vcpu_state_x86_64.h).
// The recorded time may exceed this host's monotonic time (another host, or
// one that booted since): the offset is signed.
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
    GuestClock() : offset_ns_(-static_cast<__int128>(host_monotonic_ns())) {}

    // A clock reading `guest_ns` now.
    static GuestClock resumed_at(uint64_t guest_ns) {
        GuestClock clock;
        clock.offset_ns_ += guest_ns;
        return clock;
    }

    uint64_t now_ns() const { return clamp(static_cast<__int128>(host_monotonic_ns()) + offset_ns_); }
    // The guest time to record in a snapshot.
    uint64_t save() const { return now_ns(); }
    // The host CLOCK_MONOTONIC time at which guest time reads `guest_ns`.
    uint64_t to_host_ns(uint64_t guest_ns) const {
        return clamp(static_cast<__int128>(guest_ns) - offset_ns_);
    }

  private:
    static uint64_t clamp(__int128 value) {
        if (value < 0) return 0;
        if (value > static_cast<__int128>(UINT64_MAX)) return UINT64_MAX;
        return static_cast<uint64_t>(value);
    }
    __int128 offset_ns_; // guest time = host monotonic + offset
};

} // namespace sf::vmm
