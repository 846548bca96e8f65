// Unit tests: L2Switch learning, flooding, forwarding, aging, moves, malformed
// frames, source-MAC locks and port management.
#include "net/l2_switch.h"

#include <gtest/gtest.h>

#include <vector>

using namespace sf::net;

namespace {

struct RecordingSink : PortSink {
    std::vector<std::vector<uint8_t>> frames;
    void deliver(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
};

MacAddress mac(uint64_t low) {
    return MacAddress::from_u64(0x020000000000u | low);
}

std::vector<uint8_t> frame(MacAddress dst, MacAddress src, size_t size = 60, uint16_t type = 0x0800) {
    std::vector<uint8_t> f(size, 0xab);
    for (size_t i = 0; i < 6 && i < size; ++i)
        f[i] = dst.bytes()[i];
    for (size_t i = 0; i < 6 && 6 + i < size; ++i)
        f[6 + i] = src.bytes()[i];
    if (size >= 14) {
        f[12] = static_cast<uint8_t>(type >> 8);
        f[13] = static_cast<uint8_t>(type);
    }
    return f;
}

struct SwitchFixture : ::testing::Test {
    explicit SwitchFixture(SwitchConfig config = {}) : sw(config) {}
    PortId add(bool locked = false, uint64_t locked_low = 0) {
        sinks.push_back(std::make_shared<RecordingSink>());
        PortOptions options{sinks.back(), std::nullopt, true};
        if (locked) options.locked_mac = mac(locked_low);
        auto port = sw.add_port(options);
        EXPECT_TRUE(port) << port.error().message;
        return *port;
    }
    size_t got(size_t i) const { return sinks[i]->frames.size(); }
    void clear() {
        for (auto& s : sinks)
            s->frames.clear();
    }
    uint64_t drops(DropReason r) const { return sw.stats().drops[static_cast<size_t>(r)]; }

    L2Switch sw;
    std::vector<std::shared_ptr<RecordingSink>> sinks;
};

using L2SwitchTest = SwitchFixture;

} // namespace

TEST_F(L2SwitchTest, FloodsUnknownThenForwardsLearned) {
    PortId a = add(), b = add(), c = add();
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(c, 2u);
    sw.receive(a, frame(mac(2), mac(1)), 1);
    EXPECT_EQ(got(0), 0u); // never back out of the ingress port
    EXPECT_EQ(got(1), 1u);
    EXPECT_EQ(got(2), 1u);
    EXPECT_EQ(sw.lookup(mac(1)), a);
    clear();
    sw.receive(b, frame(mac(1), mac(2)), 2); // reply: mac(1) is known
    EXPECT_EQ(got(0), 1u);
    EXPECT_EQ(got(2), 0u);
    clear();
    sw.receive(a, frame(mac(2), mac(1)), 3); // now both are known
    EXPECT_EQ(got(1), 1u);
    EXPECT_EQ(got(2), 0u);
    auto s = sw.stats();
    EXPECT_EQ(s.flooded, 1u);
    EXPECT_EQ(s.unicast_forwarded, 2u);
    EXPECT_EQ(s.learned, 2u);
    EXPECT_EQ(sw.port_stats(a)->tx_frames, 1u);
    EXPECT_EQ(sw.port_stats(a)->rx_frames, 2u);
    EXPECT_EQ(sw.port_stats(b)->tx_bytes, 120u);
}

TEST_F(L2SwitchTest, BroadcastAndMulticastAreFlooded) {
    PortId a = add();
    add();
    add();
    sw.receive(a, frame(mac(2), mac(1)), 1);
    sw.receive(1, frame(mac(1), mac(2)), 1); // mac(2) learned on port 1
    clear();
    sw.receive(a, frame(MacAddress::broadcast(), mac(1)), 2);
    sw.receive(a, frame(*MacAddress::parse("01:00:5e:00:00:fb"), mac(1)), 2);
    EXPECT_EQ(got(0), 0u);
    EXPECT_EQ(got(1), 2u);
    EXPECT_EQ(got(2), 2u);
}

TEST_F(L2SwitchTest, UnicastToIngressPortIsDropped) {
    PortId a = add();
    add();
    sw.receive(a, frame(MacAddress::broadcast(), mac(1)), 1);
    sw.receive(a, frame(MacAddress::broadcast(), mac(9)), 1);
    clear();
    sw.receive(a, frame(mac(9), mac(1)), 2); // both behind port a
    EXPECT_EQ(got(0), 0u);
    EXPECT_EQ(got(1), 0u);
    EXPECT_EQ(drops(DropReason::SamePort), 1u);
}

TEST_F(L2SwitchTest, MalformedFramesAreCountedDrops) {
    PortId a = add();
    add();
    sw.receive(a, {}, 1);
    sw.receive(a, frame(mac(2), mac(1), 13), 1);
    sw.receive(a, frame(mac(2), mac(1), 1515), 1);
    sw.receive(a, frame(mac(2), mac(1), 1519, 0x8100), 1);
    sw.receive(a, frame(mac(2), MacAddress::broadcast()), 1);
    sw.receive(a, frame(mac(2), *MacAddress::parse("01:00:5e:00:00:01")), 1);
    sw.receive(a, frame(mac(2), MacAddress()), 1);
    sw.receive(42, frame(mac(2), mac(1)), 1);
    EXPECT_EQ(got(1), 0u);
    EXPECT_EQ(drops(DropReason::Runt), 2u);
    EXPECT_EQ(drops(DropReason::Oversized), 2u);
    EXPECT_EQ(drops(DropReason::BadSource), 3u);
    EXPECT_EQ(drops(DropReason::UnknownPort), 1u);
    EXPECT_EQ(sw.port_stats(a)->rx_drops[static_cast<size_t>(DropReason::Runt)], 2u);
    EXPECT_EQ(sw.stats().table_size, 0u); // nothing learned from bad frames
    // Limits are inclusive: 14 bytes, 1514 bytes, 1518 bytes with a VLAN tag.
    sw.receive(a, frame(mac(2), mac(1), 14), 1);
    sw.receive(a, frame(mac(2), mac(1), 1514), 1);
    sw.receive(a, frame(mac(2), mac(1), 1518, 0x8100), 1);
    EXPECT_EQ(got(1), 3u);
    EXPECT_EQ(drop_reason_name(DropReason::Spoofed), "spoofed");
}

TEST_F(L2SwitchTest, MovedMacIsRelearned) {
    PortId a = add(), b = add(), c = add();
    sw.receive(a, frame(MacAddress::broadcast(), mac(7)), 1);
    EXPECT_EQ(sw.lookup(mac(7)), a);
    sw.receive(b, frame(MacAddress::broadcast(), mac(7)), 2); // the guest migrated behind b
    EXPECT_EQ(sw.lookup(mac(7)), b);
    EXPECT_EQ(sw.stats().moved, 1u);
    clear();
    sw.receive(c, frame(mac(7), mac(3)), 3);
    EXPECT_EQ(got(a), 0u);
    EXPECT_EQ(got(b), 1u);
}

TEST_F(L2SwitchTest, EntriesAgeOut) {
    const uint64_t aging = SwitchConfig{}.aging_ns;
    PortId a = add(), b = add();
    add();
    sw.receive(a, frame(MacAddress::broadcast(), mac(1)), 1000);
    clear();
    sw.receive(b, frame(mac(1), mac(2)), 1000 + aging); // exactly at the limit: still known
    EXPECT_EQ(got(2), 0u);
    sw.receive(b, frame(mac(1), mac(2)), 1001 + aging); // past it: flooded again
    EXPECT_EQ(got(2), 1u);
    EXPECT_EQ(sw.stats().aged, 1u);
    EXPECT_FALSE(sw.lookup(mac(1)));
    EXPECT_EQ(sw.expire(2 * aging + 2000), 1u); // mac(2), last seen at 1001 + aging
    EXPECT_EQ(sw.stats().table_size, 0u);
}

TEST_F(L2SwitchTest, LockedPortDropsSpoofedFrames) {
    PortId guest = add(true, 0x10);
    PortId uplink = add();
    EXPECT_EQ(sw.lookup(mac(0x10)), guest); // static entry from the lock
    sw.receive(guest, frame(MacAddress::broadcast(), mac(0x99)), 1);
    sw.receive(guest, frame(mac(0x55), mac(0x55)), 1);
    EXPECT_EQ(got(uplink), 0u);
    EXPECT_EQ(drops(DropReason::Spoofed), 2u);
    EXPECT_EQ(sw.port_stats(guest)->rx_drops[static_cast<size_t>(DropReason::Spoofed)], 2u);
    EXPECT_FALSE(sw.lookup(mac(0x99)));
    sw.receive(guest, frame(MacAddress::broadcast(), mac(0x10)), 1);
    EXPECT_EQ(got(uplink), 1u);
    // Another port claiming the locked MAC as source does not steal its traffic.
    sw.receive(uplink, frame(mac(0x20), mac(0x10)), 2);
    EXPECT_EQ(sw.lookup(mac(0x10)), guest);
    EXPECT_EQ(sw.stats().static_conflicts, 1u);
    // Static entries never age.
    EXPECT_EQ(sw.expire(~uint64_t{0}), 0u);
    EXPECT_EQ(sw.lookup(mac(0x10)), guest);
    auto dup = sw.add_port(PortOptions{std::make_shared<RecordingSink>(), mac(0x10), true});
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().kind, sf::ErrorKind::Conflict);
}

TEST_F(L2SwitchTest, RemovedPortForgetsItsMacsAndIdIsReused) {
    PortId a = add(), b = add(), c = add();
    sw.receive(b, frame(MacAddress::broadcast(), mac(5)), 1);
    sw.receive(b, frame(MacAddress::broadcast(), mac(6)), 1);
    ASSERT_TRUE(sw.remove_port(b));
    EXPECT_FALSE(sw.lookup(mac(5)));
    EXPECT_EQ(sw.stats().table_size, 0u);
    EXPECT_EQ(sw.stats().ports, 2u);
    EXPECT_EQ(sw.remove_port(b).error().kind, sf::ErrorKind::NotFound);
    EXPECT_EQ(sw.port_stats(b).error().kind, sf::ErrorKind::NotFound);
    clear();
    sw.receive(a, frame(mac(5), mac(1)), 2); // unknown again: flooded to c only
    EXPECT_EQ(got(c), 1u);
    EXPECT_EQ(got(b), 0u);
    EXPECT_EQ(add(), b); // lowest free id
    EXPECT_FALSE(sw.add_port(PortOptions{}));
}

TEST_F(L2SwitchTest, DisabledPortNeitherSendsNorReceives) {
    PortId a = add(), b = add(true, 0x42);
    ASSERT_TRUE(sw.set_enabled(b, false));
    sw.receive(a, frame(MacAddress::broadcast(), mac(1)), 1);
    sw.receive(a, frame(mac(0x42), mac(1)), 1);
    sw.receive(b, frame(MacAddress::broadcast(), mac(0x42)), 1);
    EXPECT_EQ(got(b), 0u);
    EXPECT_EQ(got(a), 0u);
    EXPECT_EQ(drops(DropReason::PortDisabled), 2u);
    ASSERT_TRUE(sw.set_enabled(b, true));
    sw.receive(a, frame(mac(0x42), mac(1)), 2);
    EXPECT_EQ(got(b), 1u);
    EXPECT_EQ(sw.set_enabled(99, true).error().kind, sf::ErrorKind::NotFound);
}

TEST(L2SwitchLimitsTest, MaxPorts) {
    L2Switch sw(SwitchConfig{.max_learned = 16, .aging_ns = 1000, .max_ports = 2});
    auto sink = std::make_shared<RecordingSink>();
    ASSERT_TRUE(sw.add_port(PortOptions{sink, std::nullopt, true}));
    ASSERT_TRUE(sw.add_port(PortOptions{sink, std::nullopt, true}));
    auto third = sw.add_port(PortOptions{sink, std::nullopt, true});
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().kind, sf::ErrorKind::ResourceExhausted);
}
