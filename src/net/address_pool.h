// superfluid switch: AddressPool, the IPv4 addresses of one network.
//
// From a subnet such as 10.0.0.0/24: the network (.0) and broadcast (.255)
// addresses are never handed out, the first usable address (.1) is the
// host's, on the network's uplink, and every other one is for guests.
// Subnets must be /8 to /30: a /31 or /32 leaves no address for a guest
// beside the host's (RFC 3021 point-to-point /31s are not supported), and a
// prefix shorter than /8 is refused as a mistake rather than a network.
//
// Memory is proportional to the addresses in use, not to the subnet: a /16
// or /8 costs nothing up front. allocate() hands out the lowest free address
// at or after a cursor that moves forward, so a released address is not
// reused at once (stale ARP caches of peers age out first); it wraps around.
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include "net/ipv4_cidr.h"

#include <memory>
#include <mutex>
#include <set>

namespace sf::net {

class AddressPool {
  public:
    // InvalidArgument if the subnet is not /8-/30.
    static Result<std::unique_ptr<AddressPool>> create(Ipv4Cidr subnet);

    const Ipv4Cidr& subnet() const { return subnet_; }
    // The first usable address, reserved for the host's uplink.
    Ipv4Address host_address() const { return Ipv4Address(subnet_.network().value() + 1); }
    // Addresses guests can get: the subnet minus network, broadcast and host.
    uint64_t capacity() const { return subnet_.size() - 3; }

    // A free guest address; ResourceExhausted when every one is in use.
    Result<Ipv4Address> allocate();
    // A specific address (`--ip`): InvalidArgument outside the subnet or for
    // the network, broadcast or host address; Conflict if already in use.
    Result<void> claim(Ipv4Address address);
    // Gives back an address from allocate() or claim(); NotFound if it was not in use.
    Result<void> release(Ipv4Address address);

    bool in_use(Ipv4Address address) const;
    uint64_t in_use_count() const;

  private:
    explicit AddressPool(Ipv4Cidr subnet);
    Result<void> check_guest_address(Ipv4Address address) const;

    const Ipv4Cidr subnet_;
    const uint32_t first_guest_, last_guest_;
    mutable std::mutex mutex_;
    std::set<uint32_t> used_;
    uint32_t cursor_;
};

} // namespace sf::net
