// superfluid toolstack: limiting failed API authentications per peer.
#include "host/auth_failure_limiter.h"

#include <algorithm>

namespace sf::host {

std::optional<std::chrono::seconds> AuthFailureLimiter::blocked(const std::string& peer,
                                                                Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(peer);
    if (it == peers_.end() || it->second.failures < kMaxFailures) return std::nullopt;
    const Clock::time_point end = it->second.start + kWindow;
    if (now >= end) {
        peers_.erase(it);
        return std::nullopt;
    }
    // Rounded up: a client that waits what it is told is let in.
    return std::chrono::ceil<std::chrono::seconds>(end - now);
}

void AuthFailureLimiter::failed(const std::string& peer, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(peer);
    if (it != peers_.end() && now >= it->second.start + kWindow) {
        peers_.erase(it);
        it = peers_.end();
    }
    if (it == peers_.end()) {
        make_room(now);
        it = peers_.emplace(peer, Window{now, 0}).first;
    }
    ++it->second.failures;
}

void AuthFailureLimiter::make_room(Clock::time_point now) {
    if (peers_.size() < kMaxPeers) return;
    std::erase_if(peers_, [&](const auto& entry) { return now >= entry.second.start + kWindow; });
    while (peers_.size() >= kMaxPeers) {
        auto oldest = std::min_element(peers_.begin(), peers_.end(), [](const auto& a, const auto& b) {
            return a.second.start < b.second.start;
        });
        peers_.erase(oldest);
    }
}

} // namespace sf::host
