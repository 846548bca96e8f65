// Guest networking apps: UdpEcho between two Stacks wired back to back, and
// the Stack's construction footprint (what a guest's boot touches).
#include "net_test_util.h"
#include "sf/net/udp_echo.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>

namespace sf::net::test {
namespace {

// Two stacks on one wire: frames sent by one are queued and delivered to the other.
struct Wire {
    struct End {
        Wire* wire;
        int side;
    };
    std::deque<std::pair<int, Bytes>> queue; // (destination side, frame)
    End ends[2] = {{this, 0}, {this, 1}};
    std::unique_ptr<Stack> stacks[2];
    uint64_t now = 1'000'000'000;

    explicit Wire(uint32_t ip_a = kOurIp, uint32_t ip_b = kPeerIp) {
        const uint32_t ips[2] = {ip_a, ip_b};
        for (int i = 0; i < 2; ++i) {
            Config c;
            std::memcpy(c.mac, (i == 0 ? kOurMac : kPeerMac).data(), 6);
            c.ip = ips[i];
            c.netmask = 0xffffff00u;
            c.send_ctx = &ends[i];
            c.send_frame = [](void* ctx, const uint8_t* f, size_t len) {
                auto* e = static_cast<End*>(ctx);
                e->wire->queue.emplace_back(1 - e->side, Bytes(f, f + len));
            };
            stacks[i] = std::make_unique<Stack>(c);
            stacks[i]->poll(now);
        }
    }
    void run() {
        while (!queue.empty()) {
            auto [side, frame] = queue.front();
            queue.pop_front();
            stacks[side]->input(frame.data(), frame.size(), now);
        }
    }
};

struct Replies {
    std::vector<std::string> got;
    uint16_t from_port = 0;
};

void on_reply(void* ctx, int, uint32_t, uint16_t port, const uint8_t* data, size_t len) {
    auto* r = static_cast<Replies*>(ctx);
    r->got.emplace_back(reinterpret_cast<const char*>(data), len);
    r->from_port = port;
}

TEST(NetUdpEcho, EchoesEveryDatagramToItsSender) {
    Wire w;
    UdpEcho echo;
    ASSERT_TRUE(echo.start(*w.stacks[0]));
    EXPECT_FALSE(UdpEcho().start(*w.stacks[0])); // the port is taken
    Replies r;
    const int s = w.stacks[1]->udp_bind(40000, on_reply, &r);
    ASSERT_GE(s, 0);
    for (int i = 0; i < 5; ++i) {
        const std::string msg = "datagram " + std::to_string(i);
        ASSERT_TRUE(w.stacks[1]->udp_sendto(s, kOurIp, UdpEcho::kPort,
                                            reinterpret_cast<const uint8_t*>(msg.data()), msg.size()));
        w.run(); // the first one waits for ARP both ways
        echo.service();
    }
    ASSERT_EQ(r.got.size(), 5u);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(r.got[static_cast<size_t>(i)], "datagram " + std::to_string(i));
    EXPECT_EQ(r.from_port, UdpEcho::kPort);
    EXPECT_EQ(echo.echoed(), 5u);
    // Empty and maximum-size datagrams come back too.
    ASSERT_TRUE(w.stacks[1]->udp_sendto(s, kOurIp, UdpEcho::kPort, nullptr, 0));
    const std::string big(1472, 'z');
    ASSERT_TRUE(w.stacks[1]->udp_sendto(s, kOurIp, UdpEcho::kPort,
                                        reinterpret_cast<const uint8_t*>(big.data()), big.size()));
    w.run();
    ASSERT_EQ(r.got.size(), 7u);
    EXPECT_EQ(r.got[5], "");
    EXPECT_EQ(r.got[6], big);
    EXPECT_EQ(echo.failed(), 0u);
}

TEST(NetStackFootprint, ConstructorWritesOnlyTheSmallTables) {
    constexpr size_t kPage = 4096;
    const size_t size = (sizeof(Stack) + kPage - 1) / kPage * kPage;
    auto* mem = static_cast<uint8_t*>(std::aligned_alloc(kPage, size));
    ASSERT_NE(mem, nullptr);
    std::memset(mem, 0xa5, size);
    Config c;
    c.ip = kOurIp;
    auto* s = new (mem) Stack(c);
    s->poll(1);
    size_t pages_written = 0;
    for (size_t p = 0; p < size; p += kPage) {
        bool written = false;
        for (size_t i = p; i < p + kPage && !written; ++i)
            written = mem[i] != 0xa5;
        pages_written += written;
    }
    std::printf("sizeof(Stack) = %zu bytes (%zu pages); construction writes %zu page(s)\n", sizeof(Stack),
                size / kPage, pages_written);
    EXPECT_LE(pages_written, 1u);
    s->~Stack();
    std::free(mem);
}

} // namespace
} // namespace sf::net::test
