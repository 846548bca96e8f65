// Guest networking apps: KvCounter driven by TCP peers played by the test.
#include "sf/net/kv_counter.h"
#include "tcp_peer.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

struct Kv : AppNet {
    KvCounter app;
    Kv() {
        EXPECT_TRUE(app.start(*h.stack));
        service = [this] { app.service(); };
    }
};

TEST(NetKv, IncrAndGet) {
    Kv net;
    TcpPeer p(net, 45001, 7000);
    ASSERT_TRUE(p.connect());
    EXPECT_EQ(p.send("INCR apples\n"), "1\n");
    EXPECT_EQ(p.send("INCR apples\r\n"), "2\r\n");
    EXPECT_EQ(p.send("GET apples\n"), "2\n");
    EXPECT_EQ(p.send("GET pears\n"), "0\n");
    EXPECT_EQ(net.app.keys(), 1u); // GET does not create
    EXPECT_EQ(p.send("INCR a\nINCR b\nINCR a\nGET b\n"), "1\n1\n2\n1\n");
    EXPECT_EQ(net.app.stats().commands, 8u);
    EXPECT_EQ(net.app.stats().errors, 0u);
}

TEST(NetKv, LinesSplitAcrossSegments) {
    Kv net;
    TcpPeer p(net, 45002, 7000);
    ASSERT_TRUE(p.connect());
    EXPECT_EQ(p.send("INC"), "");
    EXPECT_EQ(p.send("R z"), "");
    EXPECT_EQ(p.send("\r"), "");
    EXPECT_EQ(p.send("\nGET z\nGE"), "1\r\n1\n");
    EXPECT_EQ(p.send("T z\n"), "1\n");
}

TEST(NetKv, ErrorsAreOneLineAndTheConnectionGoesOn) {
    Kv net;
    TcpPeer p(net, 45003, 7000);
    ASSERT_TRUE(p.connect());
    EXPECT_EQ(p.send("FOO x\n"), "ERR unknown command\n");
    EXPECT_EQ(p.send("\n"), "ERR unknown command\n");
    EXPECT_EQ(p.send("INCR " + std::string(33, 'k') + "\n"), "ERR key too long\n");
    EXPECT_EQ(p.send("INCR " + std::string(32, 'k') + "\n"), "1\n");
    EXPECT_EQ(p.send("INCR \n"), "ERR bad key\n");
    EXPECT_EQ(p.send("INCR a b\n"), "ERR bad key\n");
    EXPECT_EQ(p.send("incr a\n"), "ERR unknown command\n");
    // A line over the limit: one error, then the rest of it is skipped.
    EXPECT_EQ(p.send("INCR " + std::string(200, 'x')), "ERR line too long\n");
    EXPECT_EQ(p.send(std::string(300, 'y') + "\nINCR ok\n"), "1\n");
    EXPECT_EQ(net.app.stats().errors, 7u);
    EXPECT_FALSE(p.fin_seen());
}

TEST(NetKv, KeyTableIsBounded) {
    Kv net;
    TcpPeer p(net, 45004, 7000);
    ASSERT_TRUE(p.connect());
    for (size_t i = 0; i < KvCounter::kKeys; ++i)
        ASSERT_EQ(p.send("INCR key" + std::to_string(i) + "\n"), "1\n");
    EXPECT_EQ(p.send("INCR one-too-many\n"), "ERR too many keys\n");
    EXPECT_EQ(p.send("GET one-too-many\n"), "0\n");
    EXPECT_EQ(p.send("INCR key7\n"), "2\n"); // existing keys still count
    EXPECT_EQ(net.app.keys(), KvCounter::kKeys);
}

TEST(NetKv, SeveralClientsShareTheCounters) {
    Kv net;
    TcpPeer a(net, 45005, 7000), b(net, 45006, 7000), c(net, 45007, 7000);
    ASSERT_TRUE(a.connect());
    ASSERT_TRUE(b.connect());
    ASSERT_TRUE(c.connect());
    EXPECT_EQ(a.send("INCR hits\n"), "1\n");
    EXPECT_EQ(b.send("INCR hits\n"), "2\n");
    EXPECT_EQ(c.send("INCR hits\nGET hits\n"), "3\n3\n");
    b.close();
    EXPECT_TRUE(b.fin_seen());
    EXPECT_EQ(a.send("GET hits\n"), "3\n");
    // A client after others left gets a slot again.
    TcpPeer d(net, 45008, 7000);
    ASSERT_TRUE(d.connect());
    EXPECT_EQ(d.send("INCR hits\n"), "4\n");
    EXPECT_EQ(net.app.stats().connections, 4u);
}

TEST(NetKv, ManyRequestsInOneSegmentAreAllAnswered) {
    Kv net;
    TcpPeer p(net, 45009, 7000);
    ASSERT_TRUE(p.connect());
    std::string req, want;
    for (int i = 1; i <= 150; ++i) {
        req += "INCR n\n";
        want += std::to_string(i) + "\n";
    }
    EXPECT_EQ(p.send(req), want); // more replies than the output buffer holds at once
}

TEST(NetKv, APeerThatClosesRightAfterItsLinesGetsEveryReply) {
    Kv net;
    TcpPeer p(net, 45010, 7000);
    ASSERT_TRUE(p.connect());
    std::string req, want;
    for (int i = 1; i <= 150; ++i) {
        req += "INCR n\n";
        want += std::to_string(i) + "\n";
    }
    EXPECT_EQ(p.send(req, true), want); // as `printf ... | nc` does
    EXPECT_TRUE(p.fin_seen());
}

} // namespace
} // namespace sf::net::test
