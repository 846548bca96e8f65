// superfluid guest IP stack: Ethernet II framing (receive dispatch, send).
#include "sf/net/stack.h"

#include "sf/string.h"
#include "wire.h"

namespace sf::net {

namespace {
const uint8_t kBroadcastMac[kMacLen] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
}

void Stack::input(const uint8_t* frame, size_t len, uint64_t now_ns) {
    if (now_ns > now_ns_) now_ns_ = now_ns;
    ++stats_.rx_frames;
    if (frame == nullptr || len < kEthHeader) {
        ++stats_.drop_truncated;
        return;
    }
    // VLAN tags are not understood, so the payload may be at most the MTU.
    if (len > kEthHeader + config_.mtu) {
        ++stats_.drop_oversized;
        return;
    }
    if (sf_memcmp(frame, config_.mac, kMacLen) != 0 && sf_memcmp(frame, kBroadcastMac, kMacLen) != 0) {
        ++stats_.drop_not_for_us;
        return;
    }
    const uint16_t type = load16(frame + 12);
    const uint8_t* payload = frame + kEthHeader;
    const size_t payload_len = len - kEthHeader;
    if (type == kEtherTypeIpv4)
        ipv4_input(payload, payload_len);
    else if (type == kEtherTypeArp)
        arp_input(payload, payload_len);
    else
        ++stats_.drop_ethertype;
}

// The payload is already at tx_buf_ + kEthHeader.
void Stack::send_ethernet(const uint8_t dst_mac[kMacLen], uint16_t ethertype, size_t payload_len) {
    sf_memcpy(tx_buf_, dst_mac == nullptr ? kBroadcastMac : dst_mac, kMacLen);
    sf_memcpy(tx_buf_ + 6, config_.mac, kMacLen);
    store16(tx_buf_ + 12, ethertype);
    size_t len = kEthHeader + payload_len;
    // Pad to the Ethernet minimum of 60 bytes (without FCS).
    if (len < 60) {
        sf_memset(tx_buf_ + len, 0, 60 - len);
        len = 60;
    }
    ++stats_.tx_frames;
    if (config_.send_frame != nullptr) config_.send_frame(config_.send_ctx, tx_buf_, len);
}

} // namespace sf::net
