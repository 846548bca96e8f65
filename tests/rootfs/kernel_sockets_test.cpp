// KernelSockets (guest/net/linux): the apps' socket API over the kernel's
// sockets, with the portable apps on top, on loopback of this namespace (ports
// chosen free by the kernel). A client thread talks to the apps while the
// test's own thread drives them as the Linux NetIf does: wait(), service().
#include "sf/net/http_server.h"
#include "sf/net/kernel_sockets.h"
#include "sf/net/kv_counter.h"
#include "sf/net/sockets.h"
#include "sf/net/udp_echo.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <type_traits>

namespace {

using sf::net::KernelSockets;

static_assert(std::is_same_v<sf::net::Sockets, KernelSockets>, "SF_NET_KERNEL_SOCKETS chooses KernelSockets");

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// A port of `type` that the kernel just had free on loopback.
uint16_t free_port(int type) {
    const int fd = socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

size_t open_descriptors() {
    size_t n = 0;
    DIR* d = opendir("/proc/self/fd");
    while (readdir(d) != nullptr)
        ++n;
    closedir(d);
    return n;
}

int connect_loopback(int type, uint16_t port) {
    const int fd = socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0}; // a client never waits for ever
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Everything the peer sends until it closes; `error` gets errno if the read failed (a reset).
std::string read_to_end(int fd, int* error) {
    std::string out;
    char buf[2048];
    *error = 0;
    for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0) *error = errno;
        return out;
    }
}

void send_all(int fd, const std::string& s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// Drives `app` on `sockets` until `client` (run on its own thread) returns.
template <typename App, typename Client> void serve_while(KernelSockets& sockets, App& app, Client client) {
    std::atomic<bool> done{false};
    std::thread t([&] {
        client();
        done = true;
    });
    const uint64_t give_up = now_ns() + 20'000'000'000u;
    while (!done && now_ns() < give_up) {
        sockets.wait(now_ns() + 10'000'000);
        app.service();
    }
    t.join();
}

class KernelSocketsTest : public ::testing::Test {
  protected:
    KernelSockets sockets_{epoll_create1(EPOLL_CLOEXEC)};
};

TEST_F(KernelSocketsTest, InvalidHandlesDoNothing) {
    uint8_t b[4] = {};
    EXPECT_EQ(sockets_.udp_bind(
                  0, [](void*, int, uint32_t, uint16_t, const uint8_t*, size_t) {}, nullptr),
              -1);
    EXPECT_EQ(sockets_.tcp_listen(0), -1);
    EXPECT_EQ(sockets_.tcp_accept(-1), -1);
    EXPECT_EQ(sockets_.tcp_accept(KernelSockets::kMaxDescriptors), -1);
    EXPECT_EQ(sockets_.tcp_read(0, b, sizeof b), 0u); // stdin is not one of ours
    EXPECT_EQ(sockets_.tcp_write(1, b, sizeof b), 0u);
    EXPECT_EQ(sockets_.tcp_state(2), sf::net::TcpState::Closed);
    EXPECT_FALSE(sockets_.tcp_eof(-5));
    EXPECT_FALSE(sockets_.udp_sendto(1, INADDR_LOOPBACK, 7, b, sizeof b));
    const int l = sockets_.tcp_listen(free_port(SOCK_STREAM));
    ASSERT_GE(l, 0);
    EXPECT_EQ(sockets_.tcp_read(l, b, sizeof b), 0u); // a listener is not a connection
    EXPECT_FALSE(sockets_.udp_sendto(l, INADDR_LOOPBACK, 7, b, sizeof b));
}

TEST_F(KernelSocketsTest, UdpEchoAnswersFromTheReceiveCallback) {
    sf::net::UdpEcho app;
    const uint16_t port = free_port(SOCK_DGRAM);
    ASSERT_TRUE(app.start(sockets_, port));
    std::string echoed;
    serve_while(sockets_, app, [&] {
        const int fd = connect_loopback(SOCK_DGRAM, port);
        send(fd, "one", 3, 0);
        char buf[16];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        echoed.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
        close(fd);
    });
    EXPECT_EQ(echoed, "one");
    EXPECT_EQ(app.echoed(), 1u);
    EXPECT_EQ(sockets_.stats().rx_frames, 1u);
    EXPECT_EQ(sockets_.stats().tx_frames, 1u);
}

TEST_F(KernelSocketsTest, CloseWithUnreadInputIsAFinNotAReset) {
    // "Connection: close" with 60 KB more behind it: the server closes with
    // input unread in the kernel (more than the app's buffer takes); the
    // client must still get the whole answer and a clean end.
    sf::net::HttpServer app;
    const uint16_t port = free_port(SOCK_STREAM);
    ASSERT_TRUE(app.start(sockets_, port));
    std::string answer;
    int error = -1;
    serve_while(sockets_, app, [&] {
        const int fd = connect_loopback(SOCK_STREAM, port);
        send_all(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n" + std::string(60000, 'X'));
        answer = read_to_end(fd, &error);
        close(fd);
    });
    EXPECT_EQ(error, 0) << "the connection was reset: " << strerror(error);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
    EXPECT_NE(answer.find("<h1>superfluid</h1>"), std::string::npos);
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << "one answer only";
}

TEST_F(KernelSocketsTest, PeerCloseEndsTheConnectionAndFreesItsDescriptor) {
    sf::net::KvCounter app;
    const uint16_t port = free_port(SOCK_STREAM);
    ASSERT_TRUE(app.start(sockets_, port));
    const size_t before = open_descriptors();
    std::string last;
    serve_while(sockets_, app, [&] {
        for (int i = 0; i < 50; ++i) {
            const int fd = connect_loopback(SOCK_STREAM, port);
            send_all(fd, "INCR k\n");
            shutdown(fd, SHUT_WR); // our FIN: the server answers, sees the end, closes
            int error = 0;
            last = read_to_end(fd, &error);
            close(fd);
        }
    });
    EXPECT_EQ(last, "50\n");
    EXPECT_EQ(app.stats().connections, 50u);
    // Every server-side descriptor was let go (a closing one once the peer's FIN came).
    for (int i = 0; i < 50 && open_descriptors() != before; ++i) {
        sockets_.wait(now_ns() + 10'000'000);
        app.service();
    }
    EXPECT_EQ(open_descriptors(), before);
}

} // namespace
