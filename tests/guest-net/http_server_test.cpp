// Guest networking apps: HttpServer driven by TCP peers played by the test.
#include "sf/net/http_server.h"
#include "tcp_peer.h"

#include <gtest/gtest.h>

namespace sf::net::test {
namespace {

struct Http : AppNet {
    HttpServer app;
    Http() {
        EXPECT_TRUE(app.start(*h.stack));
        service = [this] { app.service(); };
    }
};

const std::string kGetRoot = "GET / HTTP/1.1\r\nHost: guest\r\n\r\n";
const std::string kGetStats = "GET /stats HTTP/1.1\r\nHost: guest\r\n\r\n";

TEST(NetHttp, ServesThePageAndStatsOnOneKeptAliveConnection) {
    Http net;
    TcpPeer p(net, 40001, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send(kGetRoot);
    HttpResponse r = take_response(stream);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/html");
    EXPECT_NE(r.body.find("<h1>superfluid</h1>"), std::string::npos);
    EXPECT_EQ(r.headers.count("connection"), 0u);
    EXPECT_TRUE(stream.empty());
    stream = p.send(kGetStats);
    r = take_response(stream);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_NE(r.body.find("\"hits\":2,"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"pages\":1,"), std::string::npos) << r.body;
    EXPECT_FALSE(p.fin_seen());
    EXPECT_EQ(net.app.stats().requests, 2u);
    EXPECT_EQ(net.app.stats().connections, 1u);
    // The client closes: so does the server, and the slot is free again.
    p.close();
    EXPECT_TRUE(p.fin_seen());
}

TEST(NetHttp, RequestSplitAcrossSegments) {
    Http net;
    TcpPeer p(net, 40002, 80);
    ASSERT_TRUE(p.connect());
    EXPECT_EQ(p.send("GET / HT"), "");
    EXPECT_EQ(p.send("TP/1.1\r\nHost: gu"), "");
    std::string stream = p.send("est\r\n\r\n");
    EXPECT_EQ(take_response(stream).status, 200);
    EXPECT_TRUE(stream.empty());
}

TEST(NetHttp, PipelinedRequestsAreAnsweredInOrder) {
    Http net;
    TcpPeer p(net, 40003, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send(kGetRoot + "GET /nope HTTP/1.1\r\n\r\n" + kGetStats);
    EXPECT_EQ(take_response(stream).status, 200);
    EXPECT_EQ(take_response(stream).status, 404);
    HttpResponse s = take_response(stream);
    EXPECT_EQ(s.status, 200);
    EXPECT_NE(s.body.find("\"not_found\":1,"), std::string::npos) << s.body;
    EXPECT_TRUE(stream.empty());
    EXPECT_FALSE(p.fin_seen());
}

TEST(NetHttp, PipelinedRequestsThenFinAreAllAnswered) {
    Http net;
    TcpPeer p(net, 40006, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send(kGetRoot + kGetRoot + kGetRoot + kGetRoot, true);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(take_response(stream).status, 200) << i;
    EXPECT_TRUE(stream.empty());
    EXPECT_TRUE(p.fin_seen());
}

TEST(NetHttp, UnknownPathIs404AndKeepsTheConnection) {
    Http net;
    TcpPeer p(net, 40004, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send("GET /missing HTTP/1.1\r\n\r\n");
    EXPECT_EQ(take_response(stream).status, 404);
    EXPECT_FALSE(p.fin_seen());
    stream = p.send(kGetRoot);
    EXPECT_EQ(take_response(stream).status, 200);
    EXPECT_EQ(net.app.stats().not_found, 1u);
}

TEST(NetHttp, BadRequestsGet400AndAClose) {
    const std::string bad[] = {"BLAH\r\n\r\n",
                               "GET / FTP/1.1\r\n\r\n",
                               "GET nohost HTTP/1.1\r\n\r\n",
                               "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
                               "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
                               "GET / HTTP/1.1\r\nX-Long: " + std::string(1100, 'a')};
    uint16_t port = 41000;
    for (const std::string& req : bad) {
        Http net;
        TcpPeer p(net, port++, 80);
        ASSERT_TRUE(p.connect());
        std::string stream = p.send(req);
        HttpResponse r = take_response(stream);
        EXPECT_EQ(r.status, 400) << req.substr(0, 40);
        EXPECT_EQ(r.headers["connection"], "close");
        EXPECT_TRUE(p.fin_seen()) << req.substr(0, 40);
        EXPECT_EQ(net.app.stats().bad_requests, 1u);
    }
}

TEST(NetHttp, ConnectionCloseAndHttp10CloseAfterTheResponse) {
    const std::string reqs[] = {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"};
    uint16_t port = 42000;
    for (const std::string& req : reqs) {
        Http net;
        TcpPeer p(net, port++, 80);
        ASSERT_TRUE(p.connect());
        std::string stream = p.send(req);
        EXPECT_EQ(take_response(stream).status, 200);
        EXPECT_TRUE(p.fin_seen());
    }
    Http net;
    TcpPeer p(net, port, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    EXPECT_EQ(take_response(stream).status, 200);
    EXPECT_FALSE(p.fin_seen());
}

TEST(NetHttp, OtherMethodsAre405) {
    Http net;
    TcpPeer p(net, 40005, 80);
    ASSERT_TRUE(p.connect());
    std::string stream = p.send("DELETE / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(take_response(stream).status, 405);
    EXPECT_FALSE(p.fin_seen());
}

TEST(NetHttp, ManyConnectionsAtOnceWithTwoRequestsEach) {
    Http net;
    std::vector<std::unique_ptr<TcpPeer>> peers;
    for (uint16_t i = 0; i < 8; ++i) {
        peers.push_back(std::make_unique<TcpPeer>(net, static_cast<uint16_t>(43000 + i), 80));
        ASSERT_TRUE(peers.back()->connect());
    }
    for (int round = 0; round < 2; ++round)
        for (auto& p : peers) {
            std::string stream = p->send(kGetRoot);
            EXPECT_EQ(take_response(stream).status, 200);
        }
    EXPECT_EQ(net.app.stats().requests, 16u);
    EXPECT_EQ(net.app.stats().connections, 8u);
    for (auto& p : peers) {
        p->close();
        EXPECT_TRUE(p->fin_seen());
    }
}

} // namespace
} // namespace sf::net::test
