// Guest IP stack: TCP under bad input (SYN flood, malformed segments).
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

constexpr uint16_t kPort = 80;

TEST(NetTcpFlood, ThousandSynsThenALegitimateConnection) {
    Harness h;
    h.learn_peer();
    const int l = h.stack->tcp_listen(kPort);
    // An established connection before the flood keeps working through it.
    uint32_t seq = 0;
    const int old = handshake(h, l, 30000, kPort, 1, &seq);
    ASSERT_GE(old, 0);
    for (uint32_t i = 0; i < 1000; ++i) {
        const uint32_t src = ip4(10, 0, 0, 10 + i % 200);
        h.input(eth(kOurMac, 0x0800,
                    ipv4(src, kOurIp, 6,
                         tcp(src, kOurIp, static_cast<uint16_t>(1024 + i), kPort, i * 7919u, 0, SYN, 1024))));
    }
    EXPECT_EQ(h.stack->stats().drop_tcp_syn_flood, 1000u - kTcpHalfOpenMax);
    h.take();
    h.peer_tcp(30000, kPort, 2, seq, ACK, 65535, bytes("still here"));
    uint8_t buf[32];
    EXPECT_EQ(h.stack->tcp_read(old, buf, sizeof buf), 10u);
    h.take();
    // While the table is full a new SYN is dropped ...
    h.peer_tcp(40000, kPort, 5, 0, SYN);
    EXPECT_TRUE(h.take().empty());
    // ... and once the half-open entries expire (3 SYN-ACK retries) it works.
    for (int i = 0; i < 40; ++i)
        h.advance_ms(100);
    EXPECT_EQ(h.stack->stats().tcp_half_open_expired, kTcpHalfOpenMax);
    h.take();
    uint32_t s2 = 0;
    const int fresh = handshake(h, l, 40000, kPort, 5, &s2);
    ASSERT_GE(fresh, 0);
    h.stack->tcp_write(fresh, reinterpret_cast<const uint8_t*>("ok"), 2);
    EXPECT_EQ(h.take_tcp().at(0).data, bytes("ok"));
}

TEST(NetTcpFlood, FullConnectionTableDropsSynsButKeepsWorking) {
    Harness h;
    h.learn_peer();
    const int l = h.stack->tcp_listen(kPort);
    int conns[kTcpConnections];
    uint32_t seqs[kTcpConnections];
    for (size_t i = 0; i < kTcpConnections; ++i)
        ASSERT_GE(conns[i] = handshake(h, l, static_cast<uint16_t>(2000 + i), kPort, 1, &seqs[i]), 0);
    h.peer_tcp(3000, kPort, 1, 0, SYN);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().drop_tcp_syn_flood, 1u);
    h.stack->tcp_close(conns[0]);
    h.peer_tcp(2000, kPort, 2, seqs[0] + 1, ACK | FIN); // acks our FIN and closes: TIME_WAIT
    h.advance_ms(2000);
    h.take();
    uint32_t s = 0;
    EXPECT_GE(handshake(h, l, 3000, kPort, 1, &s), 0);
}

TEST(NetTcpBad, MalformedSegmentsNeverCrashOrChangeState) {
    Harness h;
    h.learn_peer();
    const int l = h.stack->tcp_listen(kPort);
    uint32_t seq = 0;
    const int c = handshake(h, l, 30000, kPort, 1, &seq);
    ASSERT_GE(c, 0);
    auto raw = [&](const Bytes& t) { h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 6, t))); };
    const Bytes good = tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, ACK | PSH, 65535, bytes("data"));
    raw(Bytes(good.begin(), good.begin() + 19)); // truncated header
    Bytes bad_off = good;
    bad_off[12] = 0x40; // data offset 16 < 20
    raw(bad_off);
    Bytes past = good;
    past[12] = 0xf0; // data offset 60 > segment
    raw(past);
    Bytes bad_sum = good;
    bad_sum[20] ^= 1;
    raw(bad_sum);
    Bytes no_ack = tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, PSH, 65535, bytes("data"));
    raw(no_ack);
    // Options that lie about their length.
    raw(tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, ACK, 65535, {}, {2, 0, 1, 1}));
    raw(tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, ACK, 65535, {}, {2, 200, 1, 1}));
    raw(tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, ACK, 65535, {}, {1, 1, 1, 2}));
    const Stats& s = h.stack->stats();
    EXPECT_EQ(s.drop_truncated, 2u);
    EXPECT_EQ(s.drop_bad_header, 1u);
    EXPECT_EQ(s.drop_bad_checksum, 1u);
    EXPECT_EQ(s.drop_tcp_bad_segment, 1u);
    EXPECT_EQ(h.stack->tcp_state(c), TcpState::Established);
    uint8_t buf[16];
    EXPECT_EQ(h.stack->tcp_read(c, buf, sizeof buf), 0u);
    h.take();
    raw(good);
    EXPECT_EQ(h.stack->tcp_read(c, buf, sizeof buf), 4u);
}

TEST(NetTcpBad, SynWithBogusMssAndHandshakeWithBadAck) {
    Harness h;
    h.learn_peer();
    ASSERT_EQ(h.stack->tcp_listen(kPort), 0);
    h.input(
        eth(kOurMac, 0x0800,
            ipv4(kPeerIp, kOurIp, 6, tcp(kPeerIp, kOurIp, 999, kPort, 50, 0, SYN, 1000, {}, {2, 4, 0, 1}))));
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    const uint32_t iss = out[0].seq;
    h.peer_tcp(999, kPort, 51, iss + 77, ACK); // wrong ACK in SYN_RCVD: RST
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, RST);
    EXPECT_EQ(out[0].seq, iss + 77);
    h.peer_tcp(999, kPort, 51, iss + 1, ACK); // the right one still completes it
    const int c = h.stack->tcp_accept(0);
    ASSERT_GE(c, 0);
    // MSS 1 was raised to a floor of 64 bytes per segment.
    std::string data(200, 'm');
    h.stack->tcp_write(c, reinterpret_cast<const uint8_t*>(data.data()), data.size());
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].data.size(), 64u);
}

TEST(NetTcpBad, ResetDuringHandshakeFreesTheEntry) {
    Harness h;
    h.learn_peer();
    ASSERT_EQ(h.stack->tcp_listen(kPort), 0);
    for (uint32_t i = 0; i < 20; ++i) {
        h.peer_tcp(static_cast<uint16_t>(100 + i), kPort, i, 0, SYN);
        h.peer_tcp(static_cast<uint16_t>(100 + i), kPort, i + 1, 0, RST);
    }
    EXPECT_EQ(h.stack->stats().drop_tcp_syn_flood, 0u);
    EXPECT_EQ(h.stack->next_deadline_ns(), UINT64_MAX);
}

TEST(NetBad, TenThousandMutatedFramesThenGoodTrafficStillWorks) {
    Harness h;
    h.learn_peer();
    const int l = h.stack->tcp_listen(kPort);
    uint32_t seq = 0;
    const int c = handshake(h, l, 30000, kPort, 1, &seq);
    ASSERT_GE(c, 0);
    const std::vector<Bytes> templates = {
        eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, bytes("abc")))),
        eth(kOurMac, 0x0800,
            ipv4(kPeerIp, kOurIp, 6, tcp(kPeerIp, kOurIp, 30000, kPort, 2, seq, ACK, 100, bytes("x")))),
        eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 6, tcp(kPeerIp, kOurIp, 999, kPort, 5, 0, SYN, 100))),
        eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 17, udp(kPeerIp, kOurIp, 1, 7, bytes("u")))),
        eth(kBroadcast, 0x0806, arp(1, kPeerMac, kPeerIp, Bytes(6, 0), kOurIp)),
    };
    uint32_t rng = 12345;
    auto next = [&] { return rng = rng * 1103515245u + 12345u, rng >> 8; };
    for (int i = 0; i < 10000; ++i) {
        Bytes f = templates[next() % templates.size()];
        const uint32_t flips = 1 + next() % 4;
        for (uint32_t k = 0; k < flips; ++k)
            f[14 + next() % (f.size() - 14)] = static_cast<uint8_t>(next());
        if (next() % 4 == 0) f.resize(next() % f.size());
        h.input(f);
        if (i % 500 == 0) h.advance_ms(100);
    }
    h.take();
    // Still answering pings ...
    h.input(templates[0]);
    std::vector<Bytes> out = h.take();
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(checksums_ok(out.back()));
    // ... and new connections.
    for (int i = 0; i < 40; ++i)
        h.advance_ms(100);
    h.take();
    uint32_t s2 = 0;
    EXPECT_GE(handshake(h, l, 41000, kPort, 77, &s2), 0);
}

} // namespace
} // namespace sf::net::test
