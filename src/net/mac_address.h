// superfluid switch: MacAddress, a 48-bit Ethernet address as a value type.
//
// Parses and prints the colon form "02:00:5e:10:00:01" (hex digits in either
// case; exactly six two-digit groups). Pure value type: thread-safe to copy.
#pragma once

#include "common/result.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf::net {

class MacAddress {
  public:
    constexpr MacAddress() = default;
    constexpr explicit MacAddress(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}

    // "aa:bb:cc:dd:ee:ff"; InvalidArgument with the text in the message otherwise.
    static Result<MacAddress> parse(std::string_view text);
    // The six bytes at `data` (the caller guarantees they exist), e.g. in a frame header.
    static MacAddress from_bytes(const uint8_t* data);
    // The low 48 bits of `value`, most significant byte first.
    static MacAddress from_u64(uint64_t value);
    static constexpr MacAddress broadcast() { return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); }

    const std::array<uint8_t, 6>& bytes() const { return bytes_; }
    // The address as a 48-bit integer (a compact hash/map key).
    uint64_t to_u64() const;
    std::string to_string() const; // lower-case colon form

    // I/G bit set: multicast, including broadcast.
    bool is_multicast() const { return (bytes_[0] & 0x01) != 0; }
    bool is_broadcast() const { return *this == broadcast(); }
    bool is_zero() const { return to_u64() == 0; }
    // U/L bit set: locally administered (not from a vendor's OUI).
    bool is_locally_administered() const { return (bytes_[0] & 0x02) != 0; }
    // A valid station address: not multicast, not all zeros (Linux's is_valid_ether_addr).
    bool is_unicast() const { return !is_multicast() && !is_zero(); }

    friend bool operator==(const MacAddress&, const MacAddress&) = default;
    friend auto operator<=>(const MacAddress&, const MacAddress&) = default;

  private:
    std::array<uint8_t, 6> bytes_{};
};

} // namespace sf::net
