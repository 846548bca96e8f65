// superfluid switch: the ARP responder.
#include "net/arp_responder.h"

#include <cstring>

namespace sf::net {
namespace {

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

} // namespace

std::optional<std::array<uint8_t, kArpFrameBytes>>
ArpResponder::answer(std::span<const uint8_t> frame) const {
    if (frame.size() < kArpFrameBytes || be16(&frame[12]) != 0x0806) return std::nullopt;
    const uint8_t* arp = &frame[14];
    // htype Ethernet, ptype IPv4, hlen 6, plen 4, operation request
    if (be16(arp) != 1 || be16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4 || be16(arp + 6) != 1)
        return std::nullopt;
    const uint8_t* sender_mac = arp + 8;
    const uint8_t* sender_ip = arp + 14;
    const uint32_t target = be32(arp + 24);
    if (target == be32(sender_ip)) return std::nullopt; // a probe or announcement: not ours to answer
    auto it = table_.find(target);
    if (it == table_.end()) return std::nullopt;
    const auto& mac = it->second.bytes();
    std::array<uint8_t, kArpFrameBytes> reply{};
    std::memcpy(&reply[0], sender_mac, 6); // to the asker
    std::memcpy(&reply[6], mac.data(), 6);
    reply[12] = 0x08, reply[13] = 0x06;
    uint8_t* out = &reply[14];
    std::memcpy(out, arp, 6); // htype, ptype, hlen, plen as asked
    out[6] = 0, out[7] = 2;   // reply
    std::memcpy(out + 8, mac.data(), 6);
    std::memcpy(out + 14, arp + 24, 4); // the asked address is ours
    std::memcpy(out + 18, sender_mac, 6);
    std::memcpy(out + 24, sender_ip, 4);
    return reply;
}

std::array<uint8_t, kArpFrameBytes> gratuitous_arp(MacAddress mac, Ipv4Address ip) {
    std::array<uint8_t, kArpFrameBytes> frame{};
    std::memset(&frame[0], 0xff, 6);
    std::memcpy(&frame[6], mac.bytes().data(), 6);
    frame[12] = 0x08, frame[13] = 0x06;
    uint8_t* arp = &frame[14];
    const uint8_t header[8] = {0, 1, 0x08, 0x00, 6, 4, 0, 1}; // Ethernet, IPv4, request
    std::memcpy(arp, header, sizeof header);
    const uint32_t v = ip.value();
    const uint8_t address[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                                static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    std::memcpy(arp + 8, mac.bytes().data(), 6);
    std::memcpy(arp + 14, address, 4);
    std::memcpy(arp + 24, address, 4); // target hardware address stays zero
    return frame;
}

} // namespace sf::net
