// superfluid switch: AddressPool.
#include "net/address_pool.h"

namespace sf::net {

Result<std::unique_ptr<AddressPool>> AddressPool::create(Ipv4Cidr subnet) {
    if (subnet.prefix() < 8 || subnet.prefix() > 30)
        return error(
            ErrorKind::InvalidArgument,
            "{}: a network's subnet must be /8 to /30 (one address for the host, at least one for guests)",
            subnet.to_string());
    return std::unique_ptr<AddressPool>(new AddressPool(subnet));
}

AddressPool::AddressPool(Ipv4Cidr subnet)
    : subnet_(subnet), first_guest_(subnet.network().value() + 2),
      last_guest_(subnet.broadcast().value() - 1), cursor_(first_guest_) {}

Result<Ipv4Address> AddressPool::allocate() {
    std::lock_guard lock(mutex_);
    if (used_.size() >= capacity())
        return error(ErrorKind::ResourceExhausted, "no free address left in {} ({} in use)",
                     subnet_.to_string(), used_.size());
    // Two passes at most: from the cursor to the end, then from the start.
    uint32_t candidate = cursor_;
    for (int pass = 0; pass < 2; ++pass) {
        auto it = used_.lower_bound(candidate);
        while (it != used_.end() && *it == candidate && candidate < last_guest_) {
            ++candidate;
            ++it;
        }
        if (it == used_.end() || *it != candidate) break;
        candidate = first_guest_; // the tail is full: wrap around
    }
    used_.insert(candidate);
    cursor_ = candidate == last_guest_ ? first_guest_ : candidate + 1;
    return Ipv4Address(candidate);
}

Result<void> AddressPool::check_guest_address(Ipv4Address address) const {
    const std::string subnet = subnet_.to_string();
    if (!subnet_.contains(address))
        return error(ErrorKind::InvalidArgument, "{} is outside the network's subnet {}", address.to_string(),
                     subnet);
    if (address == subnet_.network())
        return error(ErrorKind::InvalidArgument, "{} is the network address of {}", address.to_string(),
                     subnet);
    if (address == subnet_.broadcast())
        return error(ErrorKind::InvalidArgument, "{} is the broadcast address of {}", address.to_string(),
                     subnet);
    if (address == host_address())
        return error(ErrorKind::InvalidArgument, "{} is the host's address on {}", address.to_string(),
                     subnet);
    return ok();
}

Result<void> AddressPool::claim(Ipv4Address address) {
    SF_TRY(check_guest_address(address));
    std::lock_guard lock(mutex_);
    if (!used_.insert(address.value()).second)
        return error(ErrorKind::Conflict, "address {} is already in use on {}", address.to_string(),
                     subnet_.to_string());
    return ok();
}

Result<void> AddressPool::release(Ipv4Address address) {
    std::lock_guard lock(mutex_);
    if (used_.erase(address.value()) == 0)
        return error(ErrorKind::NotFound, "address {} is not in use on {}", address.to_string(),
                     subnet_.to_string());
    return ok();
}

bool AddressPool::in_use(Ipv4Address address) const {
    std::lock_guard lock(mutex_);
    return used_.count(address.value()) != 0;
}

uint64_t AddressPool::in_use_count() const {
    std::lock_guard lock(mutex_);
    return used_.size();
}

} // namespace sf::net
