// Guest IP stack: TCP connections (handshake, data, retransmission, flow
// control, close), the peer played by the test.
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

constexpr uint16_t kPort = 80;
constexpr uint16_t kPeerPort = 40000;
constexpr uint32_t kPeerIss = 1000;

std::string read_all(Stack& s, int conn) {
    std::string out;
    uint8_t buf[512];
    for (size_t n; (n = s.tcp_read(conn, buf, sizeof buf)) != 0;)
        out.append(reinterpret_cast<char*>(buf), n);
    return out;
}

size_t write_str(Stack& s, int conn, const std::string& d) {
    return s.tcp_write(conn, reinterpret_cast<const uint8_t*>(d.data()), d.size());
}

struct Connected : ::testing::Test {
    void SetUp() override {
        h.learn_peer();
        listener = h.stack->tcp_listen(kPort);
        ASSERT_EQ(listener, 0);
        conn = handshake(h, listener, kPeerPort, kPort, kPeerIss, &seq);
        ASSERT_GE(conn, 0);
        peer_seq = kPeerIss + 1;
    }
    void peer(uint8_t flags, const Bytes& data = {}, uint16_t wnd = 65535) {
        h.peer_tcp(kPeerPort, kPort, peer_seq, seq, flags, wnd, data);
    }
    Harness h;
    int listener = -1, conn = -1;
    uint32_t seq = 0, peer_seq = 0;
};

TEST(NetTcp, HandshakeSynAckCarriesMssAndWindow) {
    Harness h;
    h.learn_peer();
    ASSERT_EQ(h.stack->tcp_listen(kPort), 0);
    EXPECT_EQ(h.stack->tcp_listen(kPort), -1);
    EXPECT_EQ(h.stack->tcp_accept(0), -1);
    h.peer_tcp(kPeerPort, kPort, kPeerIss, 0, SYN, 65535);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, SYN | ACK);
    EXPECT_EQ(out[0].ack, kPeerIss + 1);
    EXPECT_EQ(out[0].sport, kPort);
    EXPECT_EQ(out[0].dport, kPeerPort);
    EXPECT_EQ(out[0].wnd, kTcpBufferBytes);
    EXPECT_EQ(out[0].options, (Bytes{2, 4, 0x05, 0xb4})); // MSS 1460
    EXPECT_EQ(h.stack->tcp_accept(0), -1);                // not before the handshake completes
    h.peer_tcp(kPeerPort, kPort, kPeerIss + 1, out[0].seq + 1, ACK);
    const int c = h.stack->tcp_accept(0);
    EXPECT_GE(c, 0);
    EXPECT_EQ(h.stack->tcp_state(c), TcpState::Established);
}

TEST(NetTcp, LostSynAckIsRetransmittedAndDuplicateSynAnswered) {
    Harness h;
    h.learn_peer();
    ASSERT_EQ(h.stack->tcp_listen(kPort), 0);
    h.peer_tcp(kPeerPort, kPort, kPeerIss, 0, SYN);
    const uint32_t iss = h.take_tcp().at(0).seq;
    h.advance_ms(200);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, SYN | ACK);
    EXPECT_EQ(out[0].seq, iss);
    h.peer_tcp(kPeerPort, kPort, kPeerIss, 0, SYN);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, iss);
}

TEST_F(Connected, DataBothWays) {
    peer(ACK | PSH, bytes("GET / HTTP/1.0\r\n\r\n"));
    peer_seq += 18;
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, ACK);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(out[0].wnd, kTcpBufferBytes - 18);
    EXPECT_EQ(read_all(*h.stack, conn), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(write_str(*h.stack, conn, "HTTP/1.0 200 OK\r\n"), 17u);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, ACK | PSH);
    EXPECT_EQ(out[0].seq, seq);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(out[0].data, bytes("HTTP/1.0 200 OK\r\n"));
    seq += 17;
    peer(ACK);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->next_deadline_ns(), UINT64_MAX);
}

TEST_F(Connected, LargeWriteIsSegmentedByMss) {
    Harness small(576); // MSS 536
    small.learn_peer();
    ASSERT_EQ(small.stack->tcp_listen(kPort), 0);
    uint32_t s = 0;
    const int c = handshake(small, 0, kPeerPort, kPort, kPeerIss, &s);
    ASSERT_GE(c, 0);
    std::string data(2000, 'z');
    EXPECT_EQ(write_str(*small.stack, c, data), 2000u);
    std::vector<Segment> out = small.take_tcp();
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].data.size(), 536u);
    EXPECT_EQ(out[3].data.size(), 2000u - 3 * 536);
    EXPECT_EQ(out[3].seq, s + 3 * 536);
}

TEST_F(Connected, LostSegmentIsRetransmittedWithBackoff) {
    write_str(*h.stack, conn, "first");
    ASSERT_EQ(h.take_tcp().size(), 1u); // lost on the way
    EXPECT_EQ(h.stack->next_deadline_ns(), h.now + 200'000'000u);
    h.advance_ms(199);
    EXPECT_TRUE(h.take().empty());
    h.advance_ms(1);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, seq);
    EXPECT_EQ(out[0].data, bytes("first"));
    EXPECT_EQ(h.stack->next_deadline_ns(), h.now + 400'000'000u); // doubled
    h.advance_ms(400);
    ASSERT_EQ(h.take_tcp().size(), 1u);
    seq += 5;
    peer(ACK);
    h.advance_ms(5000);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().tcp_retransmits, 2u);
}

TEST_F(Connected, GivesUpAfterTooManyRetransmissions) {
    write_str(*h.stack, conn, "x");
    for (int i = 0; i < 20; ++i) {
        h.advance_ms(10'000);
        h.input(eth(kOurMac, 0x0806, arp(2, kPeerMac, kPeerIp, kOurMac, kOurIp))); // answers ARP refreshes
    }
    std::vector<Segment> out = h.take_tcp();
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().flags & RST, RST);
    EXPECT_EQ(h.stack->tcp_state(conn), TcpState::Closed);
    EXPECT_TRUE(h.stack->tcp_eof(conn));
    h.stack->tcp_close(conn);
}

TEST_F(Connected, PeerWindowIsHonouredAndProbed) {
    peer(ACK, {}, 100); // the peer can take 100 bytes
    std::string data(300, 'w');
    EXPECT_EQ(write_str(*h.stack, conn, data), 300u);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data.size(), 100u);
    seq += 100;
    peer(ACK, {}, 0); // everything read by nobody: zero window
    EXPECT_TRUE(h.take().empty());
    h.advance_ms(200); // zero-window probe: one byte
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data.size(), 1u);
    EXPECT_EQ(out[0].seq, seq);
    peer(ACK, {}, 150); // the window opens, the probe byte was not taken
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, seq);
    EXPECT_EQ(out[0].data.size(), 150u);
    seq += 150;
    peer(ACK, {}, 1000);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data.size(), 50u);
}

TEST_F(Connected, OurReceiveWindowIsEnforced) {
    const Bytes chunk(1000, 'a');
    peer(ACK, chunk);
    peer_seq += 1000;
    peer(ACK, chunk);
    peer_seq += 1000;
    h.take();
    peer(ACK, Bytes(100, 'b')); // only 48 bytes fit
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq + 48);
    EXPECT_EQ(out[0].wnd, 0);
    peer_seq += 48;
    peer(ACK, Bytes(10, 'c')); // outside a zero window: dropped, ACKed
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq);
    uint8_t buf[1500];
    EXPECT_EQ(h.stack->tcp_read(conn, buf, sizeof buf), 1500u); // window update follows
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].wnd, 1500);
    EXPECT_EQ(read_all(*h.stack, conn), std::string(500, 'a') + std::string(48, 'b'));
}

TEST_F(Connected, OutOfOrderSegmentIsDroppedAndReAcked) {
    h.peer_tcp(kPeerPort, kPort, peer_seq + 5, seq, ACK, 65535, bytes("world"));
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(h.stack->stats().drop_tcp_out_of_order, 1u);
    peer(ACK, bytes("hello"));
    peer_seq += 5;
    peer(ACK, bytes("world"));
    peer_seq += 5;
    EXPECT_EQ(read_all(*h.stack, conn), "helloworld");
    // A retransmission overlapping what we have is trimmed.
    h.peer_tcp(kPeerPort, kPort, peer_seq - 2, seq, ACK, 65535, bytes("ld!!"));
    peer_seq += 2;
    EXPECT_EQ(read_all(*h.stack, conn), "!!");
    // A full duplicate is ACKed and ignored.
    h.take();
    h.peer_tcp(kPeerPort, kPort, peer_seq - 4, seq, ACK, 65535, bytes("ld!!"));
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(read_all(*h.stack, conn), "");
}

TEST_F(Connected, SegmentsOutsideTheWindowAreIgnoredWithAnAck) {
    h.peer_tcp(kPeerPort, kPort, peer_seq + 100000, seq, ACK, 65535, bytes("far"));
    h.peer_tcp(kPeerPort, kPort, peer_seq, seq + 5000, ACK, 65535, bytes("bad ack")); // acks unsent data
    h.peer_tcp(kPeerPort, kPort, peer_seq + 10, seq, RST);     // in window, not exact: challenge ACK
    h.peer_tcp(kPeerPort, kPort, peer_seq + 100000, seq, RST); // outside: dropped
    h.peer_tcp(kPeerPort, kPort, peer_seq, seq, SYN);          // SYN on a connection: challenge ACK
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 4u);
    for (const Segment& s : out) {
        EXPECT_EQ(s.flags, ACK);
        EXPECT_EQ(s.ack, peer_seq);
        EXPECT_EQ(s.seq, seq);
    }
    EXPECT_EQ(h.stack->tcp_state(conn), TcpState::Established);
    EXPECT_EQ(read_all(*h.stack, conn), "");
    peer(ACK, bytes("ok"));
    EXPECT_EQ(read_all(*h.stack, conn), "ok");
}

TEST_F(Connected, KeepaliveProbeIsAnswered) {
    h.peer_tcp(kPeerPort, kPort, peer_seq - 1, seq, ACK);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, ACK);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(h.stack->tcp_state(conn), TcpState::Established);
}

TEST_F(Connected, ResetFromPeerClosesTheConnection) {
    peer(RST);
    EXPECT_EQ(h.stack->tcp_state(conn), TcpState::Closed);
    EXPECT_TRUE(h.stack->tcp_eof(conn));
    EXPECT_EQ(write_str(*h.stack, conn, "x"), 0u);
    h.stack->tcp_close(conn);
    EXPECT_TRUE(h.take().empty());
}

TEST_F(Connected, PeerClosesFirst) {
    peer(ACK | FIN, bytes("bye"));
    peer_seq += 4;
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq);
    EXPECT_EQ(h.stack->tcp_state(conn), TcpState::CloseWait);
    EXPECT_FALSE(h.stack->tcp_eof(conn));
    EXPECT_EQ(read_all(*h.stack, conn), "bye");
    EXPECT_TRUE(h.stack->tcp_eof(conn));
    write_str(*h.stack, conn, "last words");
    h.stack->tcp_close(conn);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].data, bytes("last words"));
    EXPECT_EQ(out[1].flags, FIN | ACK);
    EXPECT_EQ(out[1].seq, seq + 10);
    seq += 11;
    peer(ACK);
    EXPECT_TRUE(h.take().empty());
    // The slot is free again: a new connection from the same port works.
    uint32_t s2 = 0;
    EXPECT_GE(handshake(h, listener, kPeerPort, kPort, 5000, &s2), 0);
}

TEST_F(Connected, WeCloseFirstAndLostFinIsRetransmitted) {
    h.stack->tcp_close(conn);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, FIN | ACK);
    h.advance_ms(200);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, FIN | ACK);
    EXPECT_EQ(out[0].seq, seq);
    seq += 1;
    peer(ACK); // FIN_WAIT_2
    EXPECT_TRUE(h.take().empty());
    peer(ACK | FIN); // TIME_WAIT
    peer_seq += 1;
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq);
    h.peer_tcp(kPeerPort, kPort, peer_seq - 1, seq, ACK | FIN); // FIN again: ACK again
    EXPECT_EQ(h.take_tcp().size(), 1u);
    h.advance_ms(2000); // TIME_WAIT over: the port answers a stray ACK with RST
    peer(ACK);
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, RST);
    EXPECT_EQ(out[0].seq, seq);
}

TEST(NetTcp, ClosedPortAnswersRst) {
    Harness h;
    h.learn_peer();
    h.peer_tcp(1234, 81, 777, 0, SYN);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, RST | ACK);
    EXPECT_EQ(out[0].seq, 0u);
    EXPECT_EQ(out[0].ack, 778u);
    EXPECT_EQ(out[0].sport, 81);
    EXPECT_EQ(out[0].dport, 1234);
    h.peer_tcp(1234, 81, 777, 4242, ACK, 100, bytes("data"));
    out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, RST);
    EXPECT_EQ(out[0].seq, 4242u);
    h.peer_tcp(1234, 81, 777, 0, RST); // never answer a reset
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack->stats().drop_tcp_no_listener, 2u);
}

TEST(NetTcp, SeveralConnectionsAtOnce) {
    Harness h;
    h.learn_peer();
    const int l = h.stack->tcp_listen(kPort);
    int conns[6];
    uint32_t seqs[6];
    for (int i = 0; i < 6; ++i) {
        conns[i] = handshake(h, l, static_cast<uint16_t>(50000 + i), kPort, 100u * static_cast<uint32_t>(i),
                             &seqs[i]);
        ASSERT_GE(conns[i], 0);
    }
    for (int i = 5; i >= 0; --i) {
        const std::string msg = "conn" + std::to_string(i);
        h.peer_tcp(static_cast<uint16_t>(50000 + i), kPort, 100u * static_cast<uint32_t>(i) + 1, seqs[i], ACK,
                   65535, bytes(msg));
    }
    h.take();
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(read_all(*h.stack, conns[i]), "conn" + std::to_string(i));
        write_str(*h.stack, conns[i], "re" + std::to_string(i));
        std::vector<Segment> out = h.take_tcp();
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].dport, 50000 + i);
        EXPECT_EQ(out[0].data, bytes("re" + std::to_string(i)));
    }
}

} // namespace
} // namespace sf::net::test
