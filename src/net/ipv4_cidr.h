// superfluid switch: Ipv4Cidr, an IPv4 subnet "10.0.0.0/24" as a value type.
//
// parse() accepts prefix lengths 0-32 and refuses host bits below the prefix
// ("10.0.0.5/24: host bits are set; the subnet is 10.0.0.0/24"), so a typo
// is never silently widened. Whether a subnet is usable for a guest network
// is AddressPool's decision (it refuses /0-/7, /31 and /32). Pure value type.
#pragma once

#include "net/ipv4_address.h"

namespace sf::net {

class Ipv4Cidr {
  public:
    // InvalidArgument for anything but "A.B.C.D/N" with N in 0-32 and no host bits.
    static Result<Ipv4Cidr> parse(std::string_view text);
    // As parse() but from parts; `prefix` > 32 or host bits set: InvalidArgument.
    static Result<Ipv4Cidr> create(Ipv4Address network, unsigned prefix);

    Ipv4Address network() const { return network_; }
    unsigned prefix() const { return prefix_; }
    uint32_t mask() const { return prefix_ == 0 ? 0 : ~uint32_t{0} << (32 - prefix_); }
    Ipv4Address broadcast() const { return Ipv4Address(network_.value() | ~mask()); }
    // Number of addresses in the subnet, network and broadcast included (2^(32-prefix)).
    uint64_t size() const { return uint64_t{1} << (32 - prefix_); }
    bool contains(Ipv4Address address) const { return (address.value() & mask()) == network_.value(); }
    bool overlaps(const Ipv4Cidr& other) const;
    std::string to_string() const; // "10.0.0.0/24"

    friend bool operator==(const Ipv4Cidr&, const Ipv4Cidr&) = default;

  private:
    Ipv4Cidr(Ipv4Address network, unsigned prefix) : network_(network), prefix_(prefix) {}

    Ipv4Address network_;
    unsigned prefix_ = 0;
};

} // namespace sf::net
