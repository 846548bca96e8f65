// superfluid guest IP stack: ICMP (RFC 792), echo reply only.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "wire.h"

namespace sf::net {

namespace {
constexpr uint8_t kEchoReply = 0;
constexpr uint8_t kEchoRequest = 8;
} // namespace

void Stack::icmp_input(uint32_t src, const uint8_t* p, size_t len) {
    if (len < kIcmpHeader) {
        ++stats_.drop_truncated;
        return;
    }
    if (checksum(p, len) != 0) {
        ++stats_.drop_bad_checksum;
        return;
    }
    if (p[0] != kEchoRequest || p[1] != 0) {
        ++stats_.drop_protocol; // only echo requests are answered
        return;
    }
    // The request fitted in our MTU, so the reply (same size) does too.
    uint8_t* r = ip_payload();
    sf_memcpy(r, p, len);
    r[0] = kEchoReply;
    store16(r + 2, 0);
    store16(r + 2, checksum(r, len));
    if (ipv4_send(src, kProtoIcmp, len)) ++stats_.icmp_echo_replies;
}

} // namespace sf::net
