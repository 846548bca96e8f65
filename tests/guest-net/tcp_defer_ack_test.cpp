// The guest stack's deferred ACKs (Config::defer_acks): the ACK owed for
// received data rides on the reply, or goes alone at flush_acks().
#include "net_test_util.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

// A connection to port 80 established by the peer; returns the accepted handle.
int establish(Harness& h, uint32_t& peer_seq, uint32_t& our_seq) {
    h.learn_peer();
    const int listener = h.stack->tcp_listen(80);
    h.take();
    h.peer_tcp(5000, 80, peer_seq, 0, SYN);
    std::vector<Segment> synack = h.take_tcp();
    EXPECT_EQ(synack.size(), 1u);
    our_seq = synack.empty() ? 0 : synack[0].seq + 1;
    peer_seq += 1;
    h.peer_tcp(5000, 80, peer_seq, our_seq, ACK);
    return h.stack->tcp_accept(listener);
}

TEST(NetTcpDeferAck, TheReplyCarriesTheAck) {
    Harness h(1500, true);
    uint32_t peer_seq = 7000, our_seq = 0;
    const int conn = establish(h, peer_seq, our_seq);
    ASSERT_GE(conn, 0);
    h.peer_tcp(5000, 80, peer_seq, our_seq, ACK | PSH, 65535, Bytes{'p', 'i', 'n', 'g'});
    EXPECT_TRUE(h.take_tcp().empty()); // no ACK of its own
    const uint8_t reply[] = {'p', 'o', 'n', 'g'};
    ASSERT_EQ(h.stack->tcp_write(conn, reply, sizeof reply), sizeof reply);
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq + 4);
    EXPECT_EQ(out[0].data, Bytes(reply, reply + 4));
    h.stack->flush_acks();
    EXPECT_TRUE(h.take_tcp().empty()); // nothing owed any more
}

TEST(NetTcpDeferAck, FlushSendsWhatNoReplyCarried) {
    Harness h(1500, true);
    uint32_t peer_seq = 9000, our_seq = 0;
    const int conn = establish(h, peer_seq, our_seq);
    ASSERT_GE(conn, 0);
    h.peer_tcp(5000, 80, peer_seq, our_seq, ACK | PSH, 65535, Bytes{'a', 'b'});
    h.peer_tcp(5000, 80, peer_seq + 2, our_seq, ACK | FIN, 65535);
    EXPECT_TRUE(h.take_tcp().empty());
    h.stack->flush_acks();
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u); // one ACK covers both the data and the FIN
    EXPECT_EQ(out[0].ack, peer_seq + 3);
    EXPECT_EQ(out[0].flags & ACK, ACK);
}

TEST(NetTcpDeferAck, WithoutItEveryDataSegmentIsAckedAtOnce) {
    Harness h;
    uint32_t peer_seq = 1000, our_seq = 0;
    ASSERT_GE(establish(h, peer_seq, our_seq), 0);
    h.peer_tcp(5000, 80, peer_seq, our_seq, ACK | PSH, 65535, Bytes{'x'});
    std::vector<Segment> out = h.take_tcp();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, peer_seq + 1);
}

} // namespace
} // namespace sf::net::test
