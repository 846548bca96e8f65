// superfluid toolstack: AuthFailureLimiter, which slows down guessing of API
// tokens: each peer address may fail authentication kMaxFailures times per
// kWindow; after that it is refused (429, Retry-After) until its window ends,
// whatever it sends.
//
// Contracts:
// - Keyed by the peer's address as text (the port is not part of it). On
//   loopback every local user shares 127.0.0.1, so one of them failing on
//   purpose can hold the others off for a window: a token holder should not
//   be sharing a host with users it does not trust anyway.
// - Holds at most kMaxPeers entries: expired ones are dropped first, then
//   the oldest window, so a flood of addresses costs bounded memory.
// - Threading: all methods may be called from many threads at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sf::host {

class AuthFailureLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kMaxFailures = 5;
    static constexpr std::chrono::seconds kWindow{60};
    static constexpr size_t kMaxPeers = 4096;

    // How long `peer` must still wait; nothing if it may try now.
    std::optional<std::chrono::seconds> blocked(const std::string& peer,
                                                Clock::time_point now = Clock::now());
    // Counts a failed attempt of `peer`.
    void failed(const std::string& peer, Clock::time_point now = Clock::now());

  private:
    struct Window {
        Clock::time_point start;
        int failures = 0;
    };
    void make_room(Clock::time_point now); // the caller holds mutex_

    std::mutex mutex_;
    std::map<std::string, Window> peers_;
};

} // namespace sf::host
