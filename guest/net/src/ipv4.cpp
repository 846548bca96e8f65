// superfluid guest IP stack: IPv4 (RFC 791) receive checks and send path.
//
// Received packets are checked (version, header and total lengths, header
// checksum) before anything else reads them; options are skipped (IHL);
// fragments are dropped, as is anything not addressed to us or to a broadcast.
// Sent packets carry DF, TTL 64, no options.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "wire.h"

namespace sf::net {

namespace {
constexpr uint32_t kLimitedBroadcast = 0xffffffffu;
constexpr uint16_t kFlagDontFragment = 0x4000;
constexpr uint16_t kFragmentMask = 0x3fff; // MF + fragment offset
constexpr uint8_t kTtl = 64;

bool is_broadcast(uint32_t addr, uint32_t ip, uint32_t mask) {
    return addr == kLimitedBroadcast || (mask != 0xffffffffu && addr == (ip | ~mask));
}
} // namespace

void Stack::ipv4_input(const uint8_t* p, size_t len) {
    if (len < kIpHeader) {
        ++stats_.drop_truncated;
        return;
    }
    const size_t ihl = static_cast<size_t>(p[0] & 0x0f) * 4;
    const size_t total = load16(p + 2);
    if ((p[0] >> 4) != 4 || ihl < kIpHeader || total < ihl) {
        ++stats_.drop_bad_header;
        return;
    }
    if (ihl > len || total > len) { // len may exceed total: Ethernet padding
        ++stats_.drop_truncated;
        return;
    }
    if (checksum(p, ihl) != 0) {
        ++stats_.drop_bad_checksum;
        return;
    }
    if ((load16(p + 6) & kFragmentMask) != 0) {
        ++stats_.drop_fragment;
        return;
    }
    const uint32_t src = load32(p + 12);
    const uint32_t dst = load32(p + 16);
    if (dst != config_.ip && !is_broadcast(dst, config_.ip, config_.netmask)) {
        ++stats_.drop_not_for_us;
        return;
    }
    if (src == 0 || src >= 0xe0000000u || is_broadcast(src, config_.ip, config_.netmask)) {
        ++stats_.drop_bad_header; // never answer a broadcast or multicast source
        return;
    }
    if (ihl > kIpHeader) ++stats_.ip_options;
    const uint8_t* payload = p + ihl;
    const size_t payload_len = total - ihl;
    switch (p[9]) {
    case kProtoIcmp:
        if (dst == config_.ip)
            icmp_input(src, payload, payload_len);
        else
            ++stats_.drop_not_for_us; // no replies to broadcast pings
        break;
    case kProtoUdp: udp_input(src, dst, payload, payload_len); break;
    case kProtoTcp:
        if (dst == config_.ip)
            tcp_input(src, dst, payload, payload_len);
        else
            ++stats_.drop_not_for_us;
        break;
    default: ++stats_.drop_protocol; break;
    }
}

bool Stack::ipv4_send(uint32_t dst, uint8_t protocol, size_t payload_len) {
    if (payload_len > max_ip_payload()) {
        ++stats_.drop_oversized;
        return false;
    }
    const bool broadcast = is_broadcast(dst, config_.ip, config_.netmask);
    uint32_t next_hop = dst;
    if (!broadcast && (dst & config_.netmask) != (config_.ip & config_.netmask)) {
        if (config_.gateway == 0) {
            ++stats_.drop_no_route;
            return false;
        }
        next_hop = config_.gateway;
    }
    uint8_t* h = tx_buf_ + kEthHeader;
    const size_t total = kIpHeader + payload_len;
    h[0] = 0x45;
    h[1] = 0;
    store16(h + 2, static_cast<uint16_t>(total));
    store16(h + 4, ip_id_++);
    store16(h + 6, kFlagDontFragment);
    h[8] = kTtl;
    h[9] = protocol;
    store16(h + 10, 0);
    store32(h + 12, config_.ip);
    store32(h + 16, dst);
    store16(h + 10, checksum(h, kIpHeader));
    if (broadcast)
        send_ethernet(nullptr, kEtherTypeIpv4, total);
    else
        arp_resolve_and_send(next_hop, total);
    return true;
}

} // namespace sf::net
