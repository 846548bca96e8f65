// superfluid monitor: IoDeadline, the bounds on a snapshot stream's waits.
//
// A Writer or Reader never waits for ever on its fd: each wait for the fd to
// become ready is bounded by `stall` (no progress for that long: an error), and
// all of them by an optional absolute `deadline` (steady clock). A dead peer on
// a socket thus gives an error within min(stall, deadline - now).
//
// Threading: a value type.
#pragma once

#include <chrono>
#include <optional>

namespace sf::vmm::snapshot {

struct IoDeadline {
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kDefaultStall{10000};

    std::chrono::milliseconds stall = kDefaultStall;
    std::optional<Clock::time_point> deadline;

    // The poll() timeout for the next wait, in ms (>= 0); 0 when the deadline has passed.
    int next_wait_ms() const;
    bool expired() const { return deadline && Clock::now() >= *deadline; }
};

} // namespace sf::vmm::snapshot
