// Guest IP stack against Linux's own stack: the host-compiled Stack is attached
// to a TAP device inside a network namespace the test creates (and deletes),
// and Linux clients in that namespace ping it (raw ICMP socket, plus `ping` if
// installed), echo UDP and run several TCP echo sessions through it. All
// traffic stays inside the namespace (10.0.0.0/24 on the TAP only).
// Needs root: skipped, loudly, otherwise.
#include "sf/net/stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace sf::net::test {
namespace {

uint64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

int open_tap(const char* name) {
    const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// The "guest": a Stack on the TAP with a TCP and a UDP echo service on port 7.
struct Guest {
    int tap = -1;
    std::atomic<bool> stop{false};
    std::vector<int> conns;
    std::vector<std::string> pending;

    static void send(void* ctx, const uint8_t* f, size_t len) {
        if (write(static_cast<Guest*>(ctx)->tap, f, len) < 0) std::perror("tap write");
    }
    static void udp_echo(void* ctx, int s, uint32_t ip, uint16_t port, const uint8_t* d, size_t len) {
        static_cast<Stack*>(ctx)->udp_sendto(s, ip, port, d, len);
    }
    void serve(Stack& st, int listener) {
        for (int c; (c = st.tcp_accept(listener)) >= 0;) {
            conns.push_back(c);
            pending.emplace_back();
        }
        for (size_t i = 0; i < conns.size(); ++i) {
            std::string& p = pending[i];
            if (p.empty()) {
                char buf[1024];
                const size_t n = st.tcp_read(conns[i], reinterpret_cast<uint8_t*>(buf), sizeof buf);
                p.assign(buf, n);
            }
            const size_t w = st.tcp_write(conns[i], reinterpret_cast<const uint8_t*>(p.data()), p.size());
            p.erase(0, w);
            if (p.empty() && st.tcp_eof(conns[i])) {
                st.tcp_close(conns[i]);
                conns.erase(conns.begin() + static_cast<long>(i));
                pending.erase(pending.begin() + static_cast<long>(i));
                --i;
            }
        }
    }
    void run() {
        Config c;
        const uint8_t mac[6] = {0x02, 0x53, 0x46, 0, 0, 0x02};
        std::memcpy(c.mac, mac, 6);
        c.ip = 0x0a000002u;
        c.netmask = 0xffffff00u;
        c.send_frame = send;
        c.send_ctx = this;
        auto st = std::make_unique<Stack>(c);
        st->poll(mono_ns());
        const int listener = st->tcp_listen(7);
        st->udp_bind(7, udp_echo, st.get());
        uint8_t frame[2048];
        while (!stop) {
            pollfd p{tap, POLLIN, 0};
            ::poll(&p, 1, 5);
            if (p.revents & POLLIN) {
                const ssize_t n = read(tap, frame, sizeof frame);
                if (n > 0) st->input(frame, static_cast<size_t>(n), mono_ns());
            }
            st->poll(mono_ns());
            serve(*st, listener);
        }
    }
};

bool icmp_ping(int seq) {
    const int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s < 0) return false;
    timeval tv{1, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = inet_addr("10.0.0.2");
    uint8_t req[16] = {8, 0, 0, 0, 0x12, 0x34, 0, static_cast<uint8_t>(seq), 'p', 'i', 'n', 'g'};
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof req; i += 2)
        sum += static_cast<uint32_t>(req[i] << 8 | req[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    req[2] = static_cast<uint8_t>(~sum >> 8);
    req[3] = static_cast<uint8_t>(~sum);
    sendto(s, req, sizeof req, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    uint8_t reply[256];
    bool ok = false;
    for (int tries = 0; tries < 5 && !ok; ++tries) {
        const ssize_t n = recv(s, reply, sizeof reply, 0);
        if (n < 0) break;
        const size_t ihl = (reply[0] & 0xf) * 4u;
        ok = static_cast<size_t>(n) >= ihl + 16 && reply[ihl] == 0 && reply[ihl + 7] == seq &&
             std::memcmp(reply + ihl + 8, "ping", 4) == 0;
    }
    close(s);
    return ok;
}

bool udp_roundtrip() {
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{1, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(7);
    to.sin_addr.s_addr = inet_addr("10.0.0.2");
    sendto(s, "udp hello", 9, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    char buf[64] = {};
    const ssize_t n = recv(s, buf, sizeof buf, 0);
    close(s);
    return n == 9 && std::memcmp(buf, "udp hello", 9) == 0;
}

// Several concurrent TCP connections, each echoing more than the stack's buffers.
bool tcp_echo_sessions(int count, size_t bytes) {
    std::vector<int> socks;
    for (int i = 0; i < count; ++i) {
        const int s = socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(7);
        to.sin_addr.s_addr = inet_addr("10.0.0.2");
        if (connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return false;
        socks.push_back(s);
    }
    std::atomic<bool> ok{true};
    std::vector<std::thread> sessions;
    for (size_t k = 0; k < socks.size(); ++k) {
        sessions.emplace_back([&, k] {
            std::string data(bytes, '\0');
            for (size_t i = 0; i < bytes; ++i)
                data[i] = static_cast<char>('a' + (i * 7 + k) % 26);
            std::thread writer([&] {
                (void)!write(socks[k], data.data(), data.size());
                shutdown(socks[k], SHUT_WR);
            });
            std::string got;
            char buf[4096];
            for (ssize_t n; (n = read(socks[k], buf, sizeof buf)) > 0;)
                got.append(buf, static_cast<size_t>(n));
            writer.join();
            if (got != data) {
                std::fprintf(stderr, "tcp session %zu: got %zu of %zu bytes\n", k, got.size(), data.size());
                ok = false;
            }
            close(socks[k]);
        });
    }
    for (std::thread& t : sessions)
        t.join();
    return ok;
}

// A connection to a port nobody listens on is refused (the stack answers RST).
bool tcp_refused() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(8);
    to.sin_addr.s_addr = inet_addr("10.0.0.2");
    const bool refused =
        connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno == ECONNREFUSED;
    close(s);
    return refused;
}

int child(const std::string& ns) {
    const int nsfd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return 10;
    Guest g;
    g.tap = open_tap("sftap0");
    if (g.tap < 0) return 11;
    if (std::system("ip link set lo up && ip addr add 10.0.0.1/24 dev sftap0 && ip link set sftap0 up") != 0)
        return 12;
    std::thread guest([&] { g.run(); });
    int rc = 0;
    for (int i = 1; i <= 3; ++i)
        if (!icmp_ping(i)) rc = rc ? rc : 20;
    if (std::system("command -v ping >/dev/null") == 0) {
        if (std::system("ping -c 3 -i 0.2 -W 1 10.0.0.2") != 0) rc = rc ? rc : 21;
    } else {
        std::fprintf(stderr, "NOTE: `ping` is not installed: checked with a raw ICMP socket only\n");
    }
    if (!udp_roundtrip()) rc = rc ? rc : 22;
    if (!tcp_echo_sessions(4, 100000)) rc = rc ? rc : 23;
    if (!tcp_refused()) rc = rc ? rc : 24;
    g.stop = true;
    guest.join();
    return rc;
}

TEST(NetTap, LinuxClientsTalkToTheStackInANamespace) {
    if (geteuid() != 0) GTEST_SKIP() << "SKIPPED LOUDLY: needs root (ip netns add, TAP device)";
    if (access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "SKIPPED LOUDLY: no /dev/net/tun";
    const std::string ns = "sfnet-test-" + std::to_string(getpid());
    if (std::system(("ip netns add " + ns).c_str()) != 0)
        GTEST_SKIP() << "SKIPPED LOUDLY: ip netns add failed";
    const pid_t pid = fork();
    if (pid == 0) _exit(child(ns));
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_EQ(std::system(("ip netns del " + ns).c_str()), 0);
    ASSERT_TRUE(WIFEXITED(status));
    // 10-12: namespace or TAP set-up, 20/21: ping, 22: UDP echo, 23: TCP echo, 24: no RST.
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

} // namespace
} // namespace sf::net::test
