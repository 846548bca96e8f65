// Test helpers for the guest IP stack: a Stack wired to a frame capture, and
// builders for the frames a peer would send (checksums computed here, by
// code independent of the stack's own).
#ifndef SF_TESTS_NET_TEST_UTIL_H
#define SF_TESTS_NET_TEST_UTIL_H

#include "sf/net/stack.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sf::net::test {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return a << 24 | b << 16 | c << 8 | d;
}
constexpr uint32_t kOurIp = ip4(10, 0, 0, 2);
constexpr uint32_t kPeerIp = ip4(10, 0, 0, 3);
constexpr uint32_t kGatewayIp = ip4(10, 0, 0, 1);
inline const Bytes kOurMac = {0x02, 0, 0, 0, 0, 0x01};
inline const Bytes kPeerMac = {0x02, 0, 0, 0, 0, 0x02};
inline const Bytes kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

uint16_t be16(const uint8_t* p);
uint32_t be32(const uint8_t* p);
void put16(Bytes& b, uint16_t v);
void put32(Bytes& b, uint32_t v);
uint16_t inet_checksum(const uint8_t* p, size_t len, uint32_t initial = 0);

Bytes eth(const Bytes& dst, uint16_t type, const Bytes& payload, const Bytes& src = kPeerMac);
Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& payload, const Bytes& options = {},
           uint16_t frag = 0x4000);
Bytes udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const Bytes& data,
          bool with_checksum = true);
Bytes tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
          uint8_t flags, uint16_t wnd, const Bytes& data = {}, const Bytes& options = {});
Bytes arp(uint16_t op, const Bytes& sender_mac, uint32_t sender_ip, const Bytes& target_mac,
          uint32_t target_ip);
Bytes icmp_echo(uint16_t id, uint16_t seq, const Bytes& data);
Bytes bytes(const std::string& s);

// A sent TCP segment, parsed (and its checksums checked) by the test.
struct Segment {
    bool ok = false;
    uint32_t src_ip = 0, dst_ip = 0;
    uint16_t sport = 0, dport = 0;
    uint32_t seq = 0, ack = 0;
    uint8_t flags = 0;
    uint16_t wnd = 0;
    Bytes data;
    Bytes options;
};
Segment parse_tcp(const Bytes& frame);
// True if the frame's IPv4 header checksum and the transport checksum verify.
bool checksums_ok(const Bytes& frame);

class Harness {
  public:
    explicit Harness(uint16_t mtu = 1500, bool defer_acks = false);
    void input(const Bytes& frame) { stack->input(frame.data(), frame.size(), now); }
    void advance_ms(uint64_t ms) {
        now += ms * 1'000'000;
        stack->poll(now);
    }
    // The peer announces itself with an ARP request so that replies need no resolution.
    void learn_peer(const Bytes& mac = kPeerMac, uint32_t ip = kPeerIp);
    // Sends a TCP segment from the peer at kPeerIp.
    void peer_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                  uint16_t wnd = 65535, const Bytes& data = {}) {
        input(eth(kOurMac, 0x0800,
                  ipv4(kPeerIp, kOurIp, 6, tcp(kPeerIp, kOurIp, sport, dport, seq, ack, flags, wnd, data))));
    }
    // Takes the captured frames.
    std::vector<Bytes> take() {
        std::vector<Bytes> out;
        out.swap(sent);
        return out;
    }
    std::vector<Segment> take_tcp();

    std::unique_ptr<Stack> stack;
    std::vector<Bytes> sent;
    uint64_t now = 1'000'000'000;
};

// Completes a handshake from the peer on `port`; returns the accepted handle and
// the stack's ISS + 1 in *our_seq. The peer's first sequence number is peer_iss + 1.
int handshake(Harness& h, int listener, uint16_t peer_port, uint16_t port, uint32_t peer_iss,
              uint32_t* our_seq, uint16_t wnd = 65535);

} // namespace sf::net::test

#endif
