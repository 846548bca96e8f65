// Unit tests: the L2Switch MAC table stays bounded under a flood of random
// source MACs, and stations learned before it keep being forwarded to.
#include "net/l2_switch.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

using namespace sf::net;

namespace {

struct CountingSink : PortSink {
    size_t frames = 0;
    std::vector<uint8_t> last;
    void deliver(std::span<const uint8_t> frame) override {
        ++frames;
        last.assign(frame.begin(), frame.end());
    }
};

void put_mac(std::vector<uint8_t>& f, size_t at, uint64_t value) {
    for (size_t i = 0; i < 6; ++i)
        f[at + i] = static_cast<uint8_t>(value >> (8 * (5 - i)));
}

std::vector<uint8_t> frame(uint64_t dst, uint64_t src) {
    std::vector<uint8_t> f(64, 0);
    put_mac(f, 0, dst);
    put_mac(f, 6, src);
    f[12] = 0x08;
    return f;
}

constexpr uint64_t kStationA = 0x020000000a01, kStationB = 0x020000000b01;

} // namespace

TEST(SwitchFloodTest, RandomSourceMacFloodStaysBounded) {
    SwitchConfig config; // 4096 learned entries, 300 s aging
    L2Switch sw(config);
    std::vector<std::shared_ptr<CountingSink>> sinks;
    for (int i = 0; i < 3; ++i) {
        sinks.push_back(std::make_shared<CountingSink>());
        ASSERT_TRUE(sw.add_port(PortOptions{sinks.back(), std::nullopt, true}));
    }
    const PortId attacker = 0, a = 1, b = 2;
    sw.receive(a, frame(0xffffffffffff, kStationA), 1);
    sw.receive(b, frame(kStationA, kStationB), 2);

    std::mt19937_64 rng(42);
    for (uint64_t i = 0; i < 100'000; ++i) {
        // Random unicast source (clear the I/G bit), random destination.
        uint64_t src = (rng() & 0xfeffffffffffu) | 0x1;
        sw.receive(attacker, frame(rng() & 0xffffffffffffu, src), 3 + i);
        ASSERT_LE(sw.stats().table_size, config.max_learned);
    }
    SwitchStats s = sw.stats();
    EXPECT_EQ(s.table_size, config.max_learned);
    EXPECT_GE(s.table_full, 100'000u - config.max_learned);
    EXPECT_EQ(sw.lookup(MacAddress::from_u64(kStationA)), a);
    EXPECT_EQ(sw.lookup(MacAddress::from_u64(kStationB)), b);

    // Known stations are still switched as unicast, not flooded.
    size_t before_attacker = sinks[attacker]->frames, before_b = sinks[b]->frames;
    sw.receive(a, frame(kStationB, kStationA), 200'000);
    EXPECT_EQ(sinks[b]->frames, before_b + 1);
    EXPECT_EQ(sinks[attacker]->frames, before_attacker);

    // Once the flood's entries have aged, a new station gets learned again.
    uint64_t later = 200'000 + config.aging_ns + 1;
    sw.receive(a, frame(kStationB, kStationA), later); // refresh A
    sw.receive(b, frame(kStationA, kStationB), later); // refresh B
    sw.receive(attacker, frame(kStationA, 0x020000000c01), later + 1);
    EXPECT_EQ(sw.lookup(MacAddress::from_u64(0x020000000c01)), attacker);
    EXPECT_EQ(sw.stats().table_size, 3u);
}

TEST(SwitchFloodTest, FullTableSweepsAreRateLimited) {
    // A tiny table and short aging make the policy visible.
    L2Switch sw(SwitchConfig{.max_learned = 4, .aging_ns = 800, .max_ports = 16});
    auto sink = std::make_shared<CountingSink>();
    ASSERT_TRUE(sw.add_port(PortOptions{sink, std::nullopt, true}));
    ASSERT_TRUE(sw.add_port(PortOptions{sink, std::nullopt, true}));
    for (uint64_t i = 1; i <= 4; ++i)
        sw.receive(0, frame(0xffffffffffff, 0x020000000000 | i), 10);
    sw.receive(0, frame(0xffffffffffff, 0x020000000005), 20); // full, nothing expired yet
    EXPECT_EQ(sw.stats().table_full, 1u);
    EXPECT_FALSE(sw.lookup(MacAddress::from_u64(0x020000000005)));
    // Flooding a frame from an unlearned source still reaches the other port.
    EXPECT_EQ(sink->frames, 5u);
    sw.receive(0, frame(0xffffffffffff, 0x020000000005), 811); // entries expired, sweep allowed
    EXPECT_EQ(sw.lookup(MacAddress::from_u64(0x020000000005)), 0u);
    EXPECT_EQ(sw.stats().aged, 4u);
}

TEST(SwitchFloodTest, ConcurrentReceiversKeepCountersExact) {
    L2Switch sw;
    std::vector<std::shared_ptr<CountingSink>> sinks;
    for (int i = 0; i < 4; ++i) {
        sinks.push_back(std::make_shared<CountingSink>());
        ASSERT_TRUE(sw.add_port(PortOptions{sinks.back(), std::nullopt, true}));
    }
    constexpr int kFrames = 20'000;
    std::vector<std::thread> threads;
    for (PortId port = 0; port < 4; ++port)
        threads.emplace_back([&sw, port] {
            uint64_t self = 0x020000000100 | port, peer = 0x020000000100 | ((port + 1) % 4);
            for (int i = 0; i < kFrames; ++i)
                sw.receive(port, frame(peer, self), static_cast<uint64_t>(i));
        });
    for (auto& t : threads)
        t.join();
    SwitchStats s = sw.stats();
    EXPECT_EQ(s.frames, 4u * kFrames);
    EXPECT_EQ(s.learned, 4u);
    uint64_t delivered = 0;
    for (const auto& sink : sinks)
        delivered += sink->frames;
    EXPECT_EQ(delivered, s.unicast_forwarded + 3 * s.flooded);
}
