// Guest IP stack: Ethernet, ARP, IPv4 and ICMP, good and bad input.
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

TEST(NetArp, RequestForOurAddressGetsAReplyByteByByte) {
    Harness h;
    h.input(eth(kBroadcast, 0x0806, arp(1, kPeerMac, kPeerIp, Bytes(6, 0), kOurIp)));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u);
    Bytes want = eth(kPeerMac, 0x0806, arp(2, kOurMac, kOurIp, kPeerMac, kPeerIp), kOurMac);
    want.resize(60, 0); // padded to the Ethernet minimum
    EXPECT_EQ(out[0], want);
    EXPECT_EQ(h.stack->stats().arp_replies_sent, 1u);
}

TEST(NetArp, RequestForAnotherAddressIsIgnored) {
    Harness h;
    h.input(eth(kBroadcast, 0x0806, arp(1, kPeerMac, kPeerIp, Bytes(6, 0), ip4(10, 0, 0, 9))));
    EXPECT_TRUE(h.take().empty());
}

TEST(NetArp, ResolvesBeforeSendingAndQueuesOnePacket) {
    Harness h;
    ASSERT_EQ(h.stack->udp_bind(7, nullptr, nullptr), 0);
    ASSERT_TRUE(h.stack->udp_sendto(0, kPeerIp, 9, reinterpret_cast<const uint8_t*>("hi"), 2));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u); // an ARP request, the datagram waits
    Bytes want = eth(kBroadcast, 0x0806, arp(1, kOurMac, kOurIp, Bytes(6, 0), kPeerIp), kOurMac);
    want.resize(60, 0);
    EXPECT_EQ(out[0], want);
    EXPECT_EQ(h.stack->next_deadline_ns(), h.now + 1'000'000'000u);
    h.input(eth(kOurMac, 0x0806, arp(2, kPeerMac, kPeerIp, kOurMac, kOurIp)));
    out = h.take();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(Bytes(out[0].begin(), out[0].begin() + 6), kPeerMac);
    EXPECT_TRUE(checksums_ok(out[0]));
    // Resolved now: the next datagram leaves at once.
    ASSERT_TRUE(h.stack->udp_sendto(0, kPeerIp, 9, reinterpret_cast<const uint8_t*>("yo"), 2));
    EXPECT_EQ(h.take().size(), 1u);
}

TEST(NetArp, RetriesThenGivesUp) {
    Harness h;
    ASSERT_EQ(h.stack->udp_bind(7, nullptr, nullptr), 0);
    ASSERT_TRUE(h.stack->udp_sendto(0, ip4(10, 0, 0, 77), 9, nullptr, 0));
    EXPECT_EQ(h.take().size(), 1u);
    h.advance_ms(1000);
    EXPECT_EQ(h.take().size(), 1u);
    h.advance_ms(1000);
    EXPECT_EQ(h.take().size(), 1u);
    h.advance_ms(1000);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().drop_arp_unresolved, 1u);
    EXPECT_EQ(h.stack->next_deadline_ns(), UINT64_MAX);
}

TEST(NetArp, OffLinkGoesThroughTheGateway) {
    Harness h;
    ASSERT_EQ(h.stack->udp_bind(7, nullptr, nullptr), 0);
    ASSERT_TRUE(h.stack->udp_sendto(0, ip4(8, 8, 8, 8), 53, nullptr, 0));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(be32(&out[0][14 + 24]), kGatewayIp);
}

TEST(NetArp, MalformedPacketsAreDropped) {
    Harness h;
    Bytes good = arp(1, kPeerMac, kPeerIp, Bytes(6, 0), kOurIp);
    Bytes truncated(good.begin(), good.begin() + 27);
    h.input(eth(kBroadcast, 0x0806, truncated));
    Bytes bad_hw = good;
    bad_hw[1] = 6;
    h.input(eth(kBroadcast, 0x0806, bad_hw));
    Bytes bad_op = good;
    bad_op[7] = 9;
    h.input(eth(kBroadcast, 0x0806, bad_op));
    Bytes multicast_sender = arp(1, kBroadcast, kPeerIp, Bytes(6, 0), kOurIp);
    h.input(eth(kBroadcast, 0x0806, multicast_sender));
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().drop_truncated, 1u);
    EXPECT_EQ(h.stack->stats().drop_bad_header, 3u);
}

TEST(NetIcmp, EchoRequestGetsAValidReply) {
    Harness h;
    h.learn_peer();
    Bytes payload = bytes("0123456789abcdefghijklmnopqrstuvwxyz!");
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, icmp_echo(0x4242, 7, payload))));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u);
    const Bytes& f = out[0];
    EXPECT_TRUE(checksums_ok(f));
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), kPeerMac);
    EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), kOurMac);
    EXPECT_EQ(be32(&f[14 + 12]), kOurIp);
    EXPECT_EQ(be32(&f[14 + 16]), kPeerIp);
    const uint8_t* icmp = &f[34];
    EXPECT_EQ(icmp[0], 0);
    EXPECT_EQ(icmp[1], 0);
    EXPECT_EQ(be16(icmp + 4), 0x4242);
    EXPECT_EQ(be16(icmp + 6), 7);
    EXPECT_EQ(Bytes(icmp + 8, icmp + 8 + payload.size()), payload);
    EXPECT_EQ(be16(&f[14 + 2]), 20 + 8 + payload.size());
}

TEST(NetIcmp, EchoWithIpOptionsIsAnswered) {
    Harness h;
    h.learn_peer();
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, bytes("x")), {1, 1, 1, 0})));
    std::vector<Bytes> out = h.take();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(checksums_ok(out[0]));
    EXPECT_EQ(h.stack->stats().ip_options, 1u);
}

TEST(NetIcmp, BadChecksumAndBroadcastPingsAreNotAnswered) {
    Harness h;
    h.learn_peer();
    Bytes m = icmp_echo(1, 1, bytes("abc"));
    m[8] ^= 1;
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, m)));
    h.input(eth(kBroadcast, 0x0800, ipv4(kPeerIp, ip4(10, 0, 0, 255), 1, icmp_echo(1, 1, {}))));
    h.input(eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, Bytes{8, 0, 0}))); // truncated ICMP
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().drop_bad_checksum, 1u);
    EXPECT_EQ(h.stack->stats().drop_not_for_us, 1u);
    EXPECT_EQ(h.stack->stats().drop_truncated, 1u);
}

TEST(NetIpv4, MalformedPacketsAreDroppedWithTheirReason) {
    Harness h;
    h.learn_peer();
    const Bytes good = ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, bytes("hello")));
    auto send = [&](const Bytes& ip) { h.input(eth(kOurMac, 0x0800, ip)); };
    send(Bytes(good.begin(), good.begin() + 19)); // truncated header
    Bytes v6 = good;
    v6[0] = 0x65;
    send(v6); // version
    Bytes small_ihl = good;
    small_ihl[0] = 0x44;
    send(small_ihl); // IHL < 5
    Bytes big_ihl = good;
    big_ihl[0] = 0x4f;
    send(Bytes(big_ihl.begin(), big_ihl.begin() + 40)); // IHL past end
    Bytes long_total = good;
    long_total[3] = static_cast<uint8_t>(long_total[3] + 10);
    send(long_total);
    Bytes bad_sum = good;
    bad_sum[10] ^= 0xff;
    send(bad_sum);
    send(ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, {}), {}, 0x2000)); // MF
    send(ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, {}), {}, 0x0010)); // offset
    send(ipv4(kPeerIp, ip4(10, 0, 0, 99), 1, icmp_echo(1, 1, {})));  // not us
    send(ipv4(kPeerIp, kOurIp, 99, Bytes(8, 0)));                    // protocol
    send(ipv4(ip4(224, 0, 0, 1), kOurIp, 1, icmp_echo(1, 1, {})));   // multicast source
    EXPECT_TRUE(h.take().empty());
    const Stats& s = h.stack->stats();
    EXPECT_EQ(s.drop_truncated, 2u);  // short header, total length past the end
    EXPECT_EQ(s.drop_bad_header, 4u); // version, IHL < 5, IHL > total length, multicast source
    EXPECT_EQ(s.drop_bad_checksum, 1u);
    EXPECT_EQ(s.drop_fragment, 2u);
    EXPECT_EQ(s.drop_not_for_us, 1u);
    EXPECT_EQ(s.drop_protocol, 1u);
    // Still answering good traffic.
    send(good);
    EXPECT_EQ(h.take().size(), 1u);
}

TEST(NetEthernet, BadFramesAreDropped) {
    Harness h;
    h.learn_peer();
    const Bytes ping = eth(kOurMac, 0x0800, ipv4(kPeerIp, kOurIp, 1, icmp_echo(1, 1, {})));
    h.input(Bytes(ping.begin(), ping.begin() + 13));
    h.stack->input(nullptr, 0, h.now);
    Bytes huge = eth(kOurMac, 0x0800, Bytes(1501, 0));
    h.input(huge);
    Bytes other = ping;
    other[0] = 0x04;
    h.input(other);
    Bytes vlan = ping;
    vlan[12] = 0x81;
    vlan[13] = 0x00;
    h.input(vlan);
    EXPECT_TRUE(h.take().empty());
    const Stats& s = h.stack->stats();
    EXPECT_EQ(s.drop_truncated, 2u);
    EXPECT_EQ(s.drop_oversized, 1u);
    EXPECT_EQ(s.drop_not_for_us, 1u);
    EXPECT_EQ(s.drop_ethertype, 1u);
    // Ethernet padding after the IP packet is ignored.
    Bytes padded = ping;
    padded.resize(80, 0xee);
    h.input(padded);
    EXPECT_EQ(h.take().size(), 1u);
}

} // namespace
} // namespace sf::net::test
