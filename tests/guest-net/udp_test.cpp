// Guest IP stack: UDP sockets.
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

struct Echo {
    Stack* stack = nullptr;
    int received = 0;
    Bytes last;
};

void echo_back(void* ctx, int socket, uint32_t src_ip, uint16_t src_port, const uint8_t* data, size_t len) {
    Echo* e = static_cast<Echo*>(ctx);
    ++e->received;
    e->last.assign(data, data + len);
    e->stack->udp_sendto(socket, src_ip, src_port, data, len);
}

TEST(NetUdp, EchoThroughASocket) {
    Harness h;
    h.learn_peer();
    Echo e;
    e.stack = h.stack.get();
    ASSERT_EQ(h.stack->udp_bind(7, echo_back, &e), 0);
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, udp(kPeerIp, kOurIp, 5555, 7, bytes("ping me")))));
    EXPECT_EQ(e.received, 1);
    EXPECT_EQ(e.last, bytes("ping me"));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u);
    Bytes want = eth(kPeerMac, 0x0800,
                     ipv4(kOurIp, kPeerIp, 17, udp(kOurIp, kPeerIp, 7, 5555, bytes("ping me"))), kOurMac);
    // The stack's own IP id differs from the builder's: compare around it.
    ASSERT_EQ(out[0].size(), 60u);
    EXPECT_TRUE(checksums_ok(out[0]));
    EXPECT_EQ(Bytes(out[0].begin(), out[0].begin() + 18), Bytes(want.begin(), want.begin() + 18));
    EXPECT_EQ(Bytes(out[0].begin() + 34, out[0].begin() + 49), Bytes(want.begin() + 34, want.end()));
}

TEST(NetUdp, ZeroChecksumIsAcceptedBadOneIsNot) {
    Harness h;
    h.learn_peer();
    Echo e;
    e.stack = h.stack.get();
    ASSERT_EQ(h.stack->udp_bind(7, echo_back, &e), 0);
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, udp(kPeerIp, kOurIp, 1, 7, bytes("a"), false))));
    EXPECT_EQ(e.received, 1);
    Bytes bad = udp(kPeerIp, kOurIp, 1, 7, bytes("b"));
    bad[8] ^= 1;
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, bad)));
    EXPECT_EQ(e.received, 1);
    EXPECT_EQ(h.stack->stats().drop_bad_checksum, 1u);
}

TEST(NetUdp, BadLengthsAndUnboundPorts) {
    Harness h;
    h.learn_peer();
    Echo e;
    e.stack = h.stack.get();
    ASSERT_EQ(h.stack->udp_bind(7, echo_back, &e), 0);
    Bytes u = udp(kPeerIp, kOurIp, 1, 7, bytes("hello"), false);
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, Bytes(u.begin(), u.begin() + 7))));
    Bytes long_len = u;
    long_len[5] = 40;
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, long_len)));
    Bytes short_len = u;
    short_len[5] = 4;
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, short_len)));
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, udp(kPeerIp, kOurIp, 1, 8, bytes("x")))));
    EXPECT_EQ(e.received, 0);
    EXPECT_EQ(h.stack->stats().drop_truncated, 2u);
    EXPECT_EQ(h.stack->stats().drop_bad_header, 1u);
    EXPECT_EQ(h.stack->stats().drop_udp_no_socket, 1u);
    EXPECT_TRUE(h.take().empty());
}

TEST(NetUdp, BindRulesAndSizeLimit) {
    Harness h;
    EXPECT_EQ(h.stack->udp_bind(0, nullptr, nullptr), -1);
    EXPECT_EQ(h.stack->udp_bind(53, nullptr, nullptr), 0);
    EXPECT_EQ(h.stack->udp_bind(53, nullptr, nullptr), -1);
    for (uint16_t p = 1; p < kUdpSockets; ++p)
        EXPECT_GE(h.stack->udp_bind(static_cast<uint16_t>(1000 + p), nullptr, nullptr), 0);
    EXPECT_EQ(h.stack->udp_bind(2000, nullptr, nullptr), -1);
    h.stack->udp_close(0);
    EXPECT_EQ(h.stack->udp_bind(2000, nullptr, nullptr), 0);
    Bytes big(1473, 'x');
    EXPECT_FALSE(h.stack->udp_sendto(0, kPeerIp, 9, big.data(), big.size()));
    EXPECT_TRUE(h.stack->udp_sendto(0, kPeerIp, 9, big.data(), 1472));
    EXPECT_FALSE(h.stack->udp_sendto(5000, kPeerIp, 9, big.data(), 1));
}

} // namespace
} // namespace sf::net::test
