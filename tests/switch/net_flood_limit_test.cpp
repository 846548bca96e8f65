// Unit tests: the per-port flood budget (net/flood_limiter.h): a broadcast
// storm from one guest is cut to its budget, the other ports keep theirs, and
// the budget comes back with time. Time is the now_ns given to the switch.
#include "net/flood_limiter.h"
#include "net/l2_switch.h"

#include <gtest/gtest.h>

#include <vector>

using namespace sf::net;

namespace {

constexpr uint64_t kSecond = 1'000'000'000;

struct CountingSink : PortSink {
    size_t frames = 0;
    void deliver(std::span<const uint8_t>) override { ++frames; }
};

MacAddress mac(uint64_t low) {
    return MacAddress::from_u64(0x020000000000u | low);
}

std::vector<uint8_t> frame(MacAddress dst, MacAddress src) {
    std::vector<uint8_t> f(60, 0);
    std::copy(dst.bytes().begin(), dst.bytes().end(), f.begin());
    std::copy(src.bytes().begin(), src.bytes().end(), f.begin() + 6);
    f[12] = 0x88; // local experimental EtherType: not checked by an address binding
    f[13] = 0xb5;
    return f;
}

// Admitted of `count` floods at `now_ns`.
int admitted(FloodLimiter& limiter, int count, uint64_t now_ns) {
    int n = 0;
    for (int i = 0; i < count; ++i)
        n += limiter.admit(now_ns) ? 1 : 0;
    return n;
}

} // namespace

TEST(FloodLimiter, BurstThenRateAndNeverMoreThanTheBurst) {
    FloodLimiter limiter(5, 10); // one share every 100 ms
    EXPECT_EQ(admitted(limiter, 20, 7 * kSecond), 5);
    EXPECT_EQ(admitted(limiter, 20, 7 * kSecond + kSecond / 10 - 1), 0);
    EXPECT_EQ(admitted(limiter, 20, 7 * kSecond + kSecond / 10), 1);
    EXPECT_EQ(admitted(limiter, 20, 7 * kSecond + kSecond / 10 + kSecond / 2), 5);
    EXPECT_EQ(admitted(limiter, 20, 1000 * kSecond), 5); // a long pause fills it, no more
    EXPECT_EQ(admitted(limiter, 20, 999 * kSecond), 0);  // time going back adds nothing
    EXPECT_EQ(admitted(limiter, 20, ~uint64_t{0}), 5);   // nor does the far future overflow it
}

TEST(FloodLimiter, RateZeroIsNoLimitAndBurstZeroIsOne) {
    FloodLimiter unlimited(5, 0);
    EXPECT_EQ(admitted(unlimited, 10'000, 0), 10'000);
    FloodLimiter uplink = FloodLimiter::unlimited();
    EXPECT_EQ(admitted(uplink, 10'000, 0), 10'000);
    FloodLimiter one(0, 1);
    EXPECT_EQ(admitted(one, 10, kSecond), 1);
}

// The documented defaults (flood_limiter.h, docs/net.md, sfd --help).
TEST(FloodLimiter, Defaults) {
    EXPECT_EQ(SwitchConfig{}.flood_burst, 200u);
    EXPECT_EQ(SwitchConfig{}.flood_per_second, 100u);
}

namespace {

// Two guests (MAC-locked ports), a third guest that only listens, and the uplink.
struct StormTest : ::testing::Test {
    StormTest() : sw(config()) {
        for (uint64_t i = 1; i <= 3; ++i)
            add(mac(i));
        uplink = add(std::nullopt);
    }
    static SwitchConfig config() {
        SwitchConfig c;
        c.flood_burst = 5;
        c.flood_per_second = 10;
        return c;
    }
    PortId add(std::optional<MacAddress> locked) {
        sinks.push_back(std::make_shared<CountingSink>());
        return *sw.add_port(PortOptions{sinks.back(), locked, true});
    }
    // `count` frames to `dst` from guest port `port` (its MAC is mac(port + 1)).
    void send(PortId port, int count, MacAddress dst, uint64_t now_ns) {
        const auto f = frame(dst, port == uplink ? mac(0x99) : mac(port + 1));
        for (int i = 0; i < count; ++i)
            sw.receive(port, f, now_ns);
    }
    uint64_t limited(PortId port) const {
        return sw.port_stats(port)->rx_drops[static_cast<size_t>(DropReason::FloodLimited)];
    }

    L2Switch sw;
    std::vector<std::shared_ptr<CountingSink>> sinks;
    PortId uplink = 0;
    const PortId storm = 0, quiet = 1, listener = 2;
};

} // namespace

// The finding: one guest's broadcast storm was copied to every port, filling
// every worker's frame channel.
TEST_F(StormTest, BroadcastStormIsLimitedPerPort) {
    const uint64_t t = 5 * kSecond;
    send(storm, 1000, MacAddress::broadcast(), t);
    EXPECT_EQ(sinks[listener]->frames, 5u) << "the storm went past its burst";
    EXPECT_EQ(sinks[uplink]->frames, 5u);
    EXPECT_EQ(limited(storm), 995u);
    EXPECT_EQ(sw.stats().drops[static_cast<size_t>(DropReason::FloodLimited)], 995u);
    EXPECT_EQ(drop_reason_name(DropReason::FloodLimited), "flood_limited");
    // Multicast draws on the same budget.
    send(storm, 10, *MacAddress::parse("01:00:5e:00:00:fb"), t);
    EXPECT_EQ(sinks[listener]->frames, 5u);

    // Another guest's budget is its own: it floods its burst at the same moment.
    send(quiet, 5, MacAddress::broadcast(), t);
    EXPECT_EQ(sinks[listener]->frames, 10u);
    EXPECT_EQ(limited(quiet), 0u);
    // Unicast is not limited: the storming guest still reaches the listener.
    send(storm, 50, mac(listener + 1), t);
    EXPECT_EQ(sinks[listener]->frames, 60u);
}

TEST_F(StormTest, TheBudgetComesBackWithTime) {
    const uint64_t t = 5 * kSecond;
    send(storm, 100, MacAddress::broadcast(), t);
    EXPECT_EQ(sinks[listener]->frames, 5u);
    send(storm, 100, MacAddress::broadcast(), t + kSecond / 2); // 10 frames/s: 5 more
    EXPECT_EQ(sinks[listener]->frames, 10u);
    send(storm, 100, MacAddress::broadcast(), t + 60 * kSecond); // a minute's pause: the burst, no more
    EXPECT_EQ(sinks[listener]->frames, 15u);
    EXPECT_EQ(limited(storm), 285u);
}

TEST_F(StormTest, TheUplinkIsNotLimited) {
    send(uplink, 1000, MacAddress::broadcast(), kSecond);
    EXPECT_EQ(sinks[listener]->frames, 1000u);
    EXPECT_EQ(limited(uplink), 0u);
}

// A frame dropped for another reason (here a spoofed source) costs no budget.
TEST_F(StormTest, DroppedFramesCostNoBudget) {
    const auto spoofed = frame(MacAddress::broadcast(), mac(0x55));
    for (int i = 0; i < 100; ++i)
        sw.receive(storm, spoofed, kSecond);
    send(storm, 5, MacAddress::broadcast(), kSecond);
    EXPECT_EQ(sinks[listener]->frames, 5u);
    EXPECT_EQ(limited(storm), 0u);
}
