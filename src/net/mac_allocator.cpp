// superfluid switch: MacAllocator.
#include "net/mac_allocator.h"

namespace sf::net {

MacAddress MacAllocator::make(uint32_t counter) const {
    return MacAddress({0x02, host_tag_, static_cast<uint8_t>(counter >> 24),
                       static_cast<uint8_t>(counter >> 16), static_cast<uint8_t>(counter >> 8),
                       static_cast<uint8_t>(counter)});
}

Result<MacAddress> MacAllocator::allocate() {
    std::lock_guard lock(mutex_);
    if (used_.size() >= 0xffffffffu)
        return error(ErrorKind::ResourceExhausted, "no free MAC address left on this host");
    for (;;) {
        ++counter_;
        if (counter_ == 0) counter_ = 1; // 02:TT:00:00:00:00 is never used
        MacAddress mac = make(counter_);
        if (used_.insert(mac.to_u64()).second) return mac;
    }
}

bool MacAllocator::is_guest_address(MacAddress mac) {
    const auto& b = mac.bytes();
    return b[0] == 0x02 && (b[2] | b[3] | b[4] | b[5]) != 0;
}

Result<void> MacAllocator::claim(MacAddress mac) {
    if (!mac.is_unicast())
        return error(ErrorKind::InvalidArgument, "{} is not a unicast MAC address", mac.to_string());
    if (!is_guest_address(mac))
        return error(ErrorKind::InvalidArgument,
                     "{} is reserved (a guest's MAC is 02:TT:CC:CC:CC:CC; the uplinks' are 06:...)",
                     mac.to_string());
    std::lock_guard lock(mutex_);
    if (!used_.insert(mac.to_u64()).second)
        return error(ErrorKind::Conflict, "MAC address {} is already in use on this host", mac.to_string());
    return ok();
}

Result<void> MacAllocator::release(MacAddress mac) {
    std::lock_guard lock(mutex_);
    if (used_.erase(mac.to_u64()) == 0)
        return error(ErrorKind::NotFound, "MAC address {} is not in use on this host", mac.to_string());
    return ok();
}

bool MacAllocator::in_use(MacAddress mac) const {
    std::lock_guard lock(mutex_);
    return used_.count(mac.to_u64()) != 0;
}

size_t MacAllocator::in_use_count() const {
    std::lock_guard lock(mutex_);
    return used_.size();
}

} // namespace sf::net
