// Unit tests: PortPool, warm switch ports with MACs and sinks made ahead.
#include "net/port_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace sf::net;

namespace {

struct CountingSink : PortSink {
    size_t frames = 0;
    void deliver(std::span<const uint8_t>) override { ++frames; }
};

struct PortPoolTest : ::testing::Test {
    SinkFactory factory() {
        return [this](MacAddress) -> sf::Result<std::shared_ptr<PortSink>> {
            ++made;
            if (fail) return sf::error(sf::ErrorKind::ResourceExhausted, "no more rings");
            return std::shared_ptr<PortSink>(std::make_shared<CountingSink>());
        };
    }
    std::vector<uint8_t> broadcast_from(MacAddress src) {
        std::vector<uint8_t> f(60, 0xff);
        for (size_t i = 0; i < 6; ++i)
            f[6 + i] = src.bytes()[i];
        return f;
    }

    L2Switch sw;
    MacAllocator macs{0x01};
    int made = 0;
    bool fail = false;
};

} // namespace

TEST_F(PortPoolTest, WarmPortsAreDisabledUntilTaken) {
    auto pool = PortPool::create(sw, macs, factory(), 4, false);
    ASSERT_TRUE(pool) << pool.error().message;
    EXPECT_EQ(made, 4);
    EXPECT_EQ(sw.stats().ports, 4u);
    EXPECT_EQ(macs.in_use_count(), 4u);
    EXPECT_EQ((*pool)->stats().ready, 4u);

    auto uplink_sink = std::make_shared<CountingSink>();
    PortId uplink = *sw.add_port({uplink_sink, std::nullopt, true});
    sw.receive(uplink, broadcast_from(*MacAddress::parse("02:ff:00:00:00:01")), 1);
    EXPECT_EQ(sw.stats().flooded, 1u); // flooded to nobody: warm ports are off

    auto port = (*pool)->take();
    ASSERT_TRUE(port) << port.error().message;
    EXPECT_EQ(made, 4); // no creation on the take path
    EXPECT_TRUE(port->mac.is_locally_administered());
    EXPECT_EQ(sw.lookup(port->mac), port->port);
    sw.receive(uplink, broadcast_from(*MacAddress::parse("02:ff:00:00:00:01")), 2);
    EXPECT_EQ(static_cast<CountingSink&>(*port->sink).frames, 1u);
    // The port is locked to its MAC.
    sw.receive(port->port, broadcast_from(*MacAddress::parse("02:ff:00:00:00:09")), 3);
    EXPECT_EQ(sw.port_stats(port->port)->rx_drops[static_cast<size_t>(DropReason::Spoofed)], 1u);
    sw.receive(port->port, broadcast_from(port->mac), 3);
    EXPECT_EQ(uplink_sink->frames, 1u);

    auto s = (*pool)->stats();
    EXPECT_EQ(s.ready, 3u);
    EXPECT_EQ(s.taken_warm, 1u);
    ASSERT_TRUE((*pool)->refill());
    EXPECT_EQ((*pool)->stats().ready, 4u);
    EXPECT_EQ(made, 5);
}

TEST_F(PortPoolTest, EmptyPoolCreatesColdAndReleaseFreesEverything) {
    auto pool = *PortPool::create(sw, macs, factory(), 1, false);
    auto warm = *pool->take();
    auto cold = pool->take();
    ASSERT_TRUE(cold);
    EXPECT_EQ(pool->stats().taken_cold, 1u);
    EXPECT_NE(warm.mac, cold->mac);
    EXPECT_NE(warm.port, cold->port);
    ASSERT_TRUE(pool->release(*cold));
    EXPECT_FALSE(macs.in_use(cold->mac));
    EXPECT_FALSE(sw.lookup(cold->mac));
    EXPECT_EQ(pool->release(*cold).error().kind, sf::ErrorKind::NotFound);
    ASSERT_TRUE(pool->release(warm));
    EXPECT_EQ(sw.stats().ports, 0u);
    EXPECT_EQ(pool->stats().released, 2u);
}

TEST_F(PortPoolTest, DestructorRemovesWarmPortsOnly) {
    PoolPort taken;
    {
        auto pool = *PortPool::create(sw, macs, factory(), 3, false);
        taken = *pool->take();
    }
    EXPECT_EQ(sw.stats().ports, 1u); // the taken one belongs to its guest now
    EXPECT_EQ(macs.in_use_count(), 1u);
    EXPECT_EQ(sw.lookup(taken.mac), taken.port);
}

TEST_F(PortPoolTest, FactoryFailureIsReported) {
    fail = true;
    auto pool = PortPool::create(sw, macs, factory(), 2, false);
    ASSERT_FALSE(pool);
    EXPECT_EQ(pool.error().message, "no more rings");
    EXPECT_EQ(macs.in_use_count(), 0u); // the MAC was given back
    EXPECT_EQ(sw.stats().ports, 0u);
    EXPECT_FALSE(PortPool::create(sw, macs, nullptr, 1, false));
}

TEST_F(PortPoolTest, SetTargetShrinksThePool) {
    auto pool = *PortPool::create(sw, macs, factory(), 5, false);
    pool->set_target(2);
    EXPECT_EQ(pool->stats().ready, 2u);
    EXPECT_EQ(sw.stats().ports, 2u);
    EXPECT_EQ(macs.in_use_count(), 2u);
}

TEST_F(PortPoolTest, BackgroundRefill) {
    auto pool = *PortPool::create(sw, macs, factory(), 8, true);
    std::vector<PoolPort> taken;
    for (int i = 0; i < 20; ++i)
        taken.push_back(*pool->take());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pool->stats().ready < 8 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(pool->stats().ready, 8u);
    EXPECT_EQ(sw.stats().ports, 28u);
    for (const auto& port : taken)
        ASSERT_TRUE(pool->release(port));
    EXPECT_EQ(macs.in_use_count(), 8u);
}

// take(Refill::Later) leaves the refill to wake_refill(): the owner sets the
// port up first (container NICs: eth0's address, which takes the lock the
// refill's namespace creation takes too).
TEST_F(PortPoolTest, ALaterRefillWaitsForWakeRefill) {
    auto pool = *PortPool::create(sw, macs, factory(), 2, true);
    const int made_before = made;
    auto port = pool->take(PortPool::Refill::Later);
    ASSERT_TRUE(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // a refill woken now would be done by far
    EXPECT_EQ(made, made_before);
    EXPECT_EQ(pool->stats().ready, 1u);
    pool->wake_refill();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pool->stats().ready < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(pool->stats().ready, 2u);
    EXPECT_TRUE(pool->release(*port));
}

TEST_F(PortPoolTest, MakeForGivesAnEnabledPortLockedToTheMacWithTheSinkGiven) {
    auto pool = *PortPool::create(sw, macs, factory(), 2, false);
    const MacAddress mac = *MacAddress::parse("02:01:00:00:00:40");
    auto sink = std::make_shared<CountingSink>();
    auto port = pool->make_for(mac, sink);
    ASSERT_TRUE(port) << port.error().message;
    EXPECT_EQ(made, 2); // the factory is not asked
    EXPECT_EQ(port->mac, mac);
    EXPECT_EQ(port->sink, sink);
    EXPECT_TRUE(macs.in_use(mac));
    EXPECT_EQ(sw.lookup(mac), port->port);
    EXPECT_EQ(pool->stats().ready, 2u); // the warm ports are untouched
    EXPECT_EQ(pool->stats().made_for, 1u);

    auto uplink_sink = std::make_shared<CountingSink>();
    PortId uplink = *sw.add_port({uplink_sink, std::nullopt, true});
    sw.receive(uplink, broadcast_from(*MacAddress::parse("02:ff:00:00:00:01")), 1);
    EXPECT_EQ(sink->frames, 1u); // enabled
    sw.receive(port->port, broadcast_from(*MacAddress::parse("02:ff:00:00:00:09")), 2);
    EXPECT_EQ(sw.port_stats(port->port)->rx_drops[static_cast<size_t>(DropReason::Spoofed)], 1u);
    sw.receive(port->port, broadcast_from(mac), 3);
    EXPECT_EQ(uplink_sink->frames, 1u);

    ASSERT_TRUE(pool->release(*port));
    EXPECT_FALSE(macs.in_use(mac));
    EXPECT_FALSE(sw.lookup(mac));
}

TEST_F(PortPoolTest, MakeForRefusesAMacInUseAndLeavesNothing) {
    auto pool = *PortPool::create(sw, macs, factory(), 1, false);
    auto taken = *pool->take();
    const size_t ports = sw.stats().ports;
    auto port = pool->make_for(taken.mac, std::make_shared<CountingSink>());
    ASSERT_FALSE(port);
    EXPECT_EQ(port.error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(sw.stats().ports, ports);
    EXPECT_TRUE(macs.in_use(taken.mac)); // still the taken port's
    EXPECT_EQ(pool->make_for(*MacAddress::parse("ff:ff:ff:ff:ff:ff"), std::make_shared<CountingSink>())
                  .error()
                  .kind,
              sf::ErrorKind::InvalidArgument);
    const MacAddress free_mac = *MacAddress::parse("02:01:00:00:00:41");
    EXPECT_EQ(pool->make_for(free_mac, nullptr).error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_FALSE(macs.in_use(free_mac));
    EXPECT_EQ(pool->stats().made_for, 0u);
}

TEST_F(PortPoolTest, DropWarmFreesAWarmPortsMacOnly) {
    auto pool = *PortPool::create(sw, macs, factory(), 3, false);
    auto taken = *pool->take();
    EXPECT_FALSE(pool->drop_warm(taken.mac)); // taken ports are not the pool's
    EXPECT_TRUE(macs.in_use(taken.mac));
    // Warm ports got the next MACs in order.
    const MacAddress warm = *MacAddress::parse("02:01:00:00:00:02");
    ASSERT_TRUE(macs.in_use(warm));
    ASSERT_NE(taken.mac, warm);
    EXPECT_TRUE(pool->drop_warm(warm));
    EXPECT_FALSE(macs.in_use(warm));
    EXPECT_FALSE(sw.lookup(warm));
    EXPECT_FALSE(pool->drop_warm(warm));
    EXPECT_EQ(pool->stats().ready, 1u);
    EXPECT_EQ(pool->stats().dropped_warm, 1u);
    auto port = pool->make_for(warm, std::make_shared<CountingSink>());
    ASSERT_TRUE(port) << port.error().message;
    ASSERT_TRUE(pool->refill());
    EXPECT_EQ(pool->stats().ready, 3u);
}
