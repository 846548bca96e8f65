// superfluid switch: Ipv4Address, an IPv4 address as a value type.
//
// Held in host byte order. Parses the strict dotted quad only ("10.0.0.1":
// four decimal parts 0-255, no leading zeros, no shorthand such as "10.1"),
// because inet_aton's octal and shorthand forms are a classic source of
// surprises in user input.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::net {

class Ipv4Address {
  public:
    constexpr Ipv4Address() = default;
    constexpr explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}

    static Result<Ipv4Address> parse(std::string_view text);

    uint32_t value() const { return value_; }
    std::string to_string() const;

    friend bool operator==(const Ipv4Address&, const Ipv4Address&) = default;
    friend auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;

  private:
    uint32_t value_ = 0;
};

} // namespace sf::net
