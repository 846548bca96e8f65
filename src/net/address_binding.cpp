// superfluid switch: AddressBinding.
#include "net/address_binding.h"

#include <algorithm>

namespace sf::net {

namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr size_t kEtherTypeOffset = 12;
constexpr size_t kVlanTagBytes = 4;
constexpr size_t kArpBytes = 28; // Ethernet/IPv4 ARP
constexpr uint16_t kArpRequest = 1;
constexpr size_t kIpv4HeaderBytes = 20;

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// The EtherTypes Linux strips as VLAN tags (eth_type_vlan).
bool is_vlan_tag(uint16_t type) {
    return type == 0x8100 || type == 0x88a8;
}

std::optional<DropReason> check_arp(std::span<const uint8_t> arp, const AddressBinding& binding) {
    if (arp.size() < kArpBytes) return DropReason::ForgedArp;
    const uint8_t* p = arp.data();
    if (be16(p) != 1 || be16(p + 2) != kEtherTypeIpv4 || p[4] != 6 || p[5] != 4) return DropReason::ForgedArp;
    const auto& mac = binding.mac.bytes();
    if (!std::equal(mac.begin(), mac.end(), p + 8)) return DropReason::ForgedArp;
    const uint32_t sender = be32(p + 14);
    const bool probe = sender == 0 && be16(p + 6) == kArpRequest;
    if (sender != binding.ip.value() && !probe) return DropReason::ForgedArp;
    return std::nullopt;
}

std::optional<DropReason> check_ipv4(std::span<const uint8_t> packet, const AddressBinding& binding) {
    if (packet.size() < kIpv4HeaderBytes) return DropReason::ForgedIp;
    if (be32(packet.data() + 12) != binding.ip.value()) return DropReason::ForgedIp;
    return std::nullopt;
}

} // namespace

std::optional<DropReason> AddressBinding::check(std::span<const uint8_t> frame) const {
    size_t type_offset = kEtherTypeOffset;
    uint16_t type = be16(&frame[type_offset]);
    if (is_vlan_tag(type)) {
        type_offset += kVlanTagBytes;
        if (frame.size() < type_offset + 2) return std::nullopt; // a cut tag: nothing inside to act on
        type = be16(&frame[type_offset]);
        if (is_vlan_tag(type)) return DropReason::StackedTags;
    }
    std::span<const uint8_t> payload = frame.subspan(type_offset + 2);
    if (type == kEtherTypeArp) return check_arp(payload, *this);
    if (type == kEtherTypeIpv4) return check_ipv4(payload, *this);
    return std::nullopt;
}

} // namespace sf::net
