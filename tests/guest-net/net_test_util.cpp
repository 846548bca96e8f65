// Test helpers for the guest IP stack (see net_test_util.h).
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return static_cast<uint32_t>(be16(p)) << 16 | be16(p + 2);
}
void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
}

uint16_t inet_checksum(const uint8_t* p, size_t len, uint32_t initial) {
    uint64_t sum = initial;
    for (size_t i = 0; i < len; ++i)
        sum += (i % 2 == 0) ? static_cast<uint64_t>(p[i]) << 8 : p[i];
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len) {
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + static_cast<uint32_t>(len);
}

Bytes eth(const Bytes& dst, uint16_t type, const Bytes& payload, const Bytes& src) {
    Bytes f(dst);
    f.insert(f.end(), src.begin(), src.end());
    put16(f, type);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& payload, const Bytes& options,
           uint16_t frag) {
    Bytes h;
    h.push_back(static_cast<uint8_t>(0x40 | (20 + options.size()) / 4));
    h.push_back(0);
    put16(h, static_cast<uint16_t>(20 + options.size() + payload.size()));
    put16(h, 0x1234);
    put16(h, frag);
    h.push_back(64);
    h.push_back(proto);
    put16(h, 0);
    put32(h, src);
    put32(h, dst);
    h.insert(h.end(), options.begin(), options.end());
    const uint16_t sum = inet_checksum(h.data(), h.size());
    h[10] = static_cast<uint8_t>(sum >> 8);
    h[11] = static_cast<uint8_t>(sum);
    h.insert(h.end(), payload.begin(), payload.end());
    return h;
}

Bytes udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const Bytes& data, bool with_checksum) {
    Bytes u;
    put16(u, sport);
    put16(u, dport);
    put16(u, static_cast<uint16_t>(8 + data.size()));
    put16(u, 0);
    u.insert(u.end(), data.begin(), data.end());
    if (with_checksum) {
        uint16_t sum = inet_checksum(u.data(), u.size(), pseudo_sum(src, dst, 17, u.size()));
        if (sum == 0) sum = 0xffff;
        u[6] = static_cast<uint8_t>(sum >> 8);
        u[7] = static_cast<uint8_t>(sum);
    }
    return u;
}

Bytes tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
          uint8_t flags, uint16_t wnd, const Bytes& data, const Bytes& options) {
    Bytes t;
    put16(t, sport);
    put16(t, dport);
    put32(t, seq);
    put32(t, ack);
    t.push_back(static_cast<uint8_t>(((20 + options.size()) / 4) << 4));
    t.push_back(flags);
    put16(t, wnd);
    put32(t, 0);
    t.insert(t.end(), options.begin(), options.end());
    t.insert(t.end(), data.begin(), data.end());
    const uint16_t sum = inet_checksum(t.data(), t.size(), pseudo_sum(src, dst, 6, t.size()));
    t[16] = static_cast<uint8_t>(sum >> 8);
    t[17] = static_cast<uint8_t>(sum);
    return t;
}

Bytes arp(uint16_t op, const Bytes& sender_mac, uint32_t sender_ip, const Bytes& target_mac,
          uint32_t target_ip) {
    Bytes a;
    put16(a, 1);
    put16(a, 0x0800);
    a.push_back(6);
    a.push_back(4);
    put16(a, op);
    a.insert(a.end(), sender_mac.begin(), sender_mac.end());
    put32(a, sender_ip);
    a.insert(a.end(), target_mac.begin(), target_mac.end());
    put32(a, target_ip);
    return a;
}

Bytes icmp_echo(uint16_t id, uint16_t seq, const Bytes& data) {
    Bytes m = {8, 0, 0, 0};
    put16(m, id);
    put16(m, seq);
    m.insert(m.end(), data.begin(), data.end());
    const uint16_t sum = inet_checksum(m.data(), m.size());
    m[2] = static_cast<uint8_t>(sum >> 8);
    m[3] = static_cast<uint8_t>(sum);
    return m;
}

Bytes bytes(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

bool checksums_ok(const Bytes& f) {
    if (f.size() < 34 || be16(&f[12]) != 0x0800) return false;
    const uint8_t* ip = &f[14];
    const size_t ihl = (ip[0] & 0xf) * 4u, total = be16(ip + 2);
    if (14 + total > f.size() || inet_checksum(ip, ihl) != 0) return false;
    const uint8_t proto = ip[9];
    const size_t len = total - ihl;
    if (proto == 1) return inet_checksum(ip + ihl, len) == 0;
    return inet_checksum(ip + ihl, len, pseudo_sum(be32(ip + 12), be32(ip + 16), proto, len)) == 0;
}

Segment parse_tcp(const Bytes& f) {
    Segment s;
    if (!checksums_ok(f) || f[14 + 9] != 6) return s;
    const uint8_t* ip = &f[14];
    const size_t ihl = (ip[0] & 0xf) * 4u, total = be16(ip + 2);
    const uint8_t* t = ip + ihl;
    const size_t off = (t[12] >> 4) * 4u;
    s.ok = true;
    s.src_ip = be32(ip + 12);
    s.dst_ip = be32(ip + 16);
    s.sport = be16(t);
    s.dport = be16(t + 2);
    s.seq = be32(t + 4);
    s.ack = be32(t + 8);
    s.flags = t[13];
    s.wnd = be16(t + 14);
    s.options.assign(t + 20, t + off);
    s.data.assign(t + off, ip + total);
    return s;
}

Harness::Harness(uint16_t mtu, bool defer_acks) {
    Config c;
    for (size_t i = 0; i < 6; ++i)
        c.mac[i] = kOurMac[i];
    c.ip = kOurIp;
    c.netmask = 0xffffff00u;
    c.gateway = kGatewayIp;
    c.mtu = mtu;
    c.defer_acks = defer_acks;
    c.send_ctx = this;
    c.send_frame = [](void* ctx, const uint8_t* frame, size_t len) {
        static_cast<Harness*>(ctx)->sent.emplace_back(frame, frame + len);
    };
    stack = std::make_unique<Stack>(c);
    stack->poll(now); // the socket calls use the time of the last input() or poll()
}

void Harness::learn_peer(const Bytes& mac, uint32_t ip) {
    input(eth(kBroadcast, 0x0806, arp(1, mac, ip, Bytes(6, 0), kOurIp), mac));
    sent.clear();
}

std::vector<Segment> Harness::take_tcp() {
    std::vector<Segment> out;
    for (const Bytes& f : take()) {
        if (f.size() >= 14 && be16(&f[12]) == 0x0806) continue; // ARP refreshes
        Segment s = parse_tcp(f);
        EXPECT_TRUE(s.ok) << "a sent frame is not a valid TCP segment";
        out.push_back(s);
    }
    return out;
}

int handshake(Harness& h, int listener, uint16_t peer_port, uint16_t port, uint32_t peer_iss,
              uint32_t* our_seq, uint16_t wnd) {
    h.peer_tcp(peer_port, port, peer_iss, 0, SYN, wnd);
    std::vector<Segment> synack = h.take_tcp();
    EXPECT_EQ(synack.size(), 1u);
    if (synack.size() != 1) return -1;
    EXPECT_EQ(synack[0].flags, SYN | ACK);
    EXPECT_EQ(synack[0].ack, peer_iss + 1);
    *our_seq = synack[0].seq + 1;
    h.peer_tcp(peer_port, port, peer_iss + 1, *our_seq, ACK, wnd);
    EXPECT_TRUE(h.take().empty());
    return h.stack->tcp_accept(listener);
}

} // namespace sf::net::test
