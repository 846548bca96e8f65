// superfluid guest IP stack: UDP (RFC 768): bound sockets with a receive
// callback, checksum verified when present and always computed on send.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "wire.h"

namespace sf::net {

void Stack::udp_input(uint32_t src, uint32_t dst, const uint8_t* p, size_t len) {
    if (len < kUdpHeader) {
        ++stats_.drop_truncated;
        return;
    }
    const size_t ulen = load16(p + 4);
    if (ulen < kUdpHeader) {
        ++stats_.drop_bad_header;
        return;
    }
    if (ulen > len) {
        ++stats_.drop_truncated;
        return;
    }
    if (load16(p + 6) != 0 &&
        checksum_fold(checksum_add(checksum_pseudo(0, src, dst, kProtoUdp, ulen), p, ulen)) != 0) {
        ++stats_.drop_bad_checksum;
        return;
    }
    const uint16_t dst_port = load16(p + 2);
    for (size_t i = 0; i < kUdpSockets; ++i) {
        const UdpSocket& s = udp_[i];
        if (s.used && s.port == dst_port) {
            if (s.on_receive != nullptr)
                s.on_receive(s.ctx, static_cast<int>(i), src, load16(p), p + kUdpHeader, ulen - kUdpHeader);
            return;
        }
    }
    ++stats_.drop_udp_no_socket;
}

int Stack::udp_bind(uint16_t port, UdpReceiveFn on_receive, void* ctx) {
    if (port == 0) return -1;
    int free_slot = -1;
    for (size_t i = 0; i < kUdpSockets; ++i) {
        if (udp_[i].used && udp_[i].port == port) return -1;
        if (!udp_[i].used && free_slot < 0) free_slot = static_cast<int>(i);
    }
    if (free_slot >= 0) udp_[free_slot] = UdpSocket{port, true, on_receive, ctx};
    return free_slot;
}

void Stack::udp_close(int socket) {
    if (socket >= 0 && static_cast<size_t>(socket) < kUdpSockets) udp_[socket] = UdpSocket{};
}

bool Stack::udp_sendto(int socket, uint32_t dst_ip, uint16_t dst_port, const uint8_t* data, size_t len) {
    if (socket < 0 || static_cast<size_t>(socket) >= kUdpSockets || !udp_[socket].used) return false;
    if (len > max_ip_payload() - kUdpHeader || (len != 0 && data == nullptr)) return false;
    uint8_t* u = ip_payload();
    const size_t ulen = kUdpHeader + len;
    store16(u, udp_[socket].port);
    store16(u + 2, dst_port);
    store16(u + 4, static_cast<uint16_t>(ulen));
    store16(u + 6, 0);
    if (len != 0) sf_memmove(u + kUdpHeader, data, len);
    uint16_t sum =
        checksum_fold(checksum_add(checksum_pseudo(0, config_.ip, dst_ip, kProtoUdp, ulen), u, ulen));
    store16(u + 6, sum == 0 ? 0xffff : sum);
    return ipv4_send(dst_ip, kProtoUdp, ulen);
}

} // namespace sf::net
