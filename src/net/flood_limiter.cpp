// superfluid switch: FloodLimiter.
#include "net/flood_limiter.h"

#include <algorithm>

namespace sf::net {

namespace {
constexpr uint64_t kNsPerSecond = 1'000'000'000;
}

FloodLimiter::FloodLimiter(uint32_t burst, uint32_t per_second)
    : cost_ns_(per_second == 0 ? 0 : std::max<uint64_t>(kNsPerSecond / per_second, 1)),
      capacity_ns_(cost_ns_ * std::max<uint32_t>(burst, 1)), credit_ns_(capacity_ns_) {}

bool FloodLimiter::admit(uint64_t now_ns) {
    if (cost_ns_ == 0) return true;
    if (now_ns > last_ns_) {
        // The credit never passes the capacity; written so that a long pause cannot overflow it.
        const uint64_t elapsed = now_ns - last_ns_;
        credit_ns_ = elapsed >= capacity_ns_ - credit_ns_ ? capacity_ns_ : credit_ns_ + elapsed;
        last_ns_ = now_ns;
    }
    if (credit_ns_ < cost_ns_) return false;
    credit_ns_ -= cost_ns_;
    return true;
}

} // namespace sf::net
