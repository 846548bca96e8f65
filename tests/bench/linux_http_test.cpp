// Unit tests of sf-linuxnet's HTTP answers (bench/net/linux_http.h): the
// bytes the guests' HttpServer sends, for the requests wrk and curl make.
#include "bench/net/linux_http.h"

#include "sf/net/http_server.h"

#include <gtest/gtest.h>

#include <string>

namespace sf::bench {
namespace {

const std::string kPage(net::HttpServer::kBuiltinPage, sizeof net::HttpServer::kBuiltinPage - 1);

TEST(LinuxHttp, HeadLength) {
    EXPECT_EQ(http_head_length(""), 0u);
    EXPECT_EQ(http_head_length("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
    EXPECT_EQ(http_head_length("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 27u);
    EXPECT_EQ(http_head_length("GET / HTTP/1.1\n\nGET"), 16u);
    EXPECT_EQ(http_head_length("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 18u); // the first of two
}

TEST(LinuxHttp, GetRootIsTheGuestsPage) {
    const HttpAnswer a = http_answer("GET / HTTP/1.1\r\nHost: 10.79.0.2\r\n\r\n");
    EXPECT_EQ(a.status, 200);
    EXPECT_FALSE(a.close);
    EXPECT_EQ(a.bytes,
              "HTTP/1.1 200 OK\r\nServer: superfluid\r\nContent-Type: text/html\r\nContent-Length: " +
                  std::to_string(kPage.size()) + "\r\n\r\n" + kPage);
}

TEST(LinuxHttp, ConnectionHeaderAndVersion) {
    const HttpAnswer closed = http_answer("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
    EXPECT_TRUE(closed.close);
    EXPECT_NE(closed.bytes.find("\r\nConnection: close\r\n\r\n<!doctype"), std::string::npos) << closed.bytes;
    EXPECT_TRUE(http_answer("GET / HTTP/1.0\r\n\r\n").close);
    EXPECT_FALSE(http_answer("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n").close);
    EXPECT_FALSE(http_answer("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").close);
}

TEST(LinuxHttp, OtherPathsMethodsAndBadRequests) {
    const HttpAnswer missing = http_answer("GET /stats HTTP/1.1\r\n\r\n");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.bytes, "HTTP/1.1 404 Not Found\r\nServer: superfluid\r\nContent-Type: text/plain\r\n"
                             "Content-Length: 10\r\n\r\nnot found\n");
    const HttpAnswer post = http_answer("POST / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(post.status, 405);
    EXPECT_NE(post.bytes.find("405 Method Not Allowed"), std::string::npos);
    EXPECT_NE(post.bytes.find("method not allowed\n"), std::string::npos);
    for (const char* bad :
         {"", "GET\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET x HTTP/1.1\r\n\r\n",
          "GET / HTTP/1.1\r\nno colon\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
          "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
        const HttpAnswer a = http_answer(bad);
        EXPECT_EQ(a.status, 400) << bad;
        EXPECT_TRUE(a.close) << bad;
        EXPECT_NE(a.bytes.find("Connection: close\r\n\r\nbad request\n"), std::string::npos) << bad;
    }
}

} // namespace
} // namespace sf::bench
