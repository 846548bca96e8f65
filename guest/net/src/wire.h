// superfluid guest IP stack: internal wire helpers (big-endian loads and
// stores on byte pointers, header sizes, protocol numbers, checksums).
// Never casts packet bytes to structs: every field is read by offset after
// the caller checked the length.
#ifndef SF_NET_WIRE_H
#define SF_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

namespace sf::net {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kIpHeader = 20;
constexpr size_t kUdpHeader = 8;
constexpr size_t kTcpHeader = 20;
constexpr size_t kIcmpHeader = 8;
constexpr size_t kArpPacket = 28;

inline uint16_t load16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load32(const uint8_t* p) {
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline void store16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void store32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// checksum.cpp: the Internet checksum (RFC 1071).
// Adds `len` bytes to a running 32-bit sum (an odd length pads with zero).
uint32_t checksum_add(uint32_t sum, const uint8_t* p, size_t len);
// Adds the IPv4 pseudo header of a UDP or TCP segment.
uint32_t checksum_pseudo(uint32_t sum, uint32_t src, uint32_t dst, uint8_t proto, size_t len);
// Folds a running sum into the final one's complement value.
uint16_t checksum_fold(uint32_t sum);
// Checksum of a buffer on its own: 0 means a received buffer verifies.
inline uint16_t checksum(const uint8_t* p, size_t len) {
    return checksum_fold(checksum_add(0, p, len));
}

} // namespace sf::net

#endif // SF_NET_WIRE_H
