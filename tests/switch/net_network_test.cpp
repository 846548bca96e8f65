// Unit tests: Network names, NetworkTable (create/find/list/remove, subnet
// overlaps) and isolation between networks with crafted frames.
#include "net/network_table.h"

#include <gtest/gtest.h>

#include <random>

using namespace sf::net;

namespace {

struct CountingSink : PortSink {
    size_t frames = 0;
    void deliver(std::span<const uint8_t>) override { ++frames; }
};

std::vector<uint8_t> frame(MacAddress dst, MacAddress src, uint16_t type, std::vector<uint8_t> payload) {
    std::vector<uint8_t> f(dst.bytes().begin(), dst.bytes().end());
    f.insert(f.end(), src.bytes().begin(), src.bytes().end());
    f.push_back(static_cast<uint8_t>(type >> 8));
    f.push_back(static_cast<uint8_t>(type));
    f.insert(f.end(), payload.begin(), payload.end());
    if (f.size() < 60) f.resize(60, 0);
    return f;
}

// An ARP request "who has `target`, tell `sender`" (RFC 826).
std::vector<uint8_t> arp_payload(MacAddress sender_mac, Ipv4Address sender, Ipv4Address target) {
    std::vector<uint8_t> p = {0, 1, 8, 0, 6, 4, 0, 1};
    p.insert(p.end(), sender_mac.bytes().begin(), sender_mac.bytes().end());
    for (int s = 24; s >= 0; s -= 8)
        p.push_back(static_cast<uint8_t>(sender.value() >> s));
    p.insert(p.end(), 6, 0);
    for (int s = 24; s >= 0; s -= 8)
        p.push_back(static_cast<uint8_t>(target.value() >> s));
    return p;
}

} // namespace

TEST(NetworkTableTest, NameRules) {
    EXPECT_TRUE(Network::check_name("tenant-a.prod_1"));
    EXPECT_TRUE(Network::check_name("123456789012345")); // 15 bytes
    struct Case {
        const char* name;
        const char* message;
    };
    for (Case c : {Case{"", "a network name cannot be empty"},
                   Case{"1234567890123456", "network name '1234567890123456' is longer than 15 bytes"},
                   Case{"a/b", "network name 'a/b' may only contain A-Z a-z 0-9 . _ -"},
                   Case{"a b", "network name 'a b' may only contain A-Z a-z 0-9 . _ -"},
                   Case{".hidden", "network name '.hidden' cannot start with '.'"},
                   Case{"-x", "network name '-x' cannot start with '-'"}}) {
        auto r = Network::check_name(c.name);
        ASSERT_FALSE(r) << c.name;
        EXPECT_EQ(r.error().message, c.message);
        EXPECT_EQ(r.error().kind, sf::ErrorKind::InvalidArgument);
    }
}

TEST(NetworkTableTest, CreateFindListRemove) {
    NetworkTable table;
    auto blue = table.create("blue", "10.1.0.0/24");
    ASSERT_TRUE(blue) << blue.error().message;
    EXPECT_EQ((*blue)->host_address().to_string(), "10.1.0.1");
    ASSERT_TRUE(table.create("amber", "10.2.0.0/16"));
    auto dup = table.create("blue", "10.3.0.0/24");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(dup.error().message, "a network named 'blue' exists already");
    auto overlap = table.create("green", "10.2.3.0/24");
    ASSERT_FALSE(overlap);
    EXPECT_EQ(overlap.error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(overlap.error().message, "subnet 10.2.3.0/24 overlaps 10.2.0.0/16 of network 'amber'");
    EXPECT_EQ(table.create("green", "10.0.0.0/33").error().message,
              "10.0.0.0/33: prefix length must be 0-32");
    EXPECT_EQ(table.create("green", "10.9.0.0/31").error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(table.create("green/x", "10.9.0.0/24").error().kind, sf::ErrorKind::InvalidArgument);

    auto all = table.list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0]->name(), "amber");
    EXPECT_EQ(all[1]->name(), "blue");
    EXPECT_EQ(table.find("nope").error().message, "no network named 'nope'");

    auto address = (*blue)->addresses().allocate();
    ASSERT_TRUE(address);
    auto busy = table.remove("blue");
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().kind, sf::ErrorKind::Conflict);
    ASSERT_TRUE((*blue)->addresses().release(*address));
    ASSERT_TRUE(table.remove("blue"));
    EXPECT_EQ(table.remove("blue").error().kind, sf::ErrorKind::NotFound);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ((*blue)->name(), "blue");                // still valid for its holder
    ASSERT_TRUE(table.create("blue2", "10.1.0.0/24")); // the subnet is free again
}

TEST(NetworkTableTest, MaxNetworks) {
    NetworkTable table(2);
    ASSERT_TRUE(table.create("a", "10.1.0.0/24"));
    ASSERT_TRUE(table.create("b", "10.2.0.0/24"));
    EXPECT_EQ(table.create("c", "10.3.0.0/24").error().kind, sf::ErrorKind::ResourceExhausted);
}

TEST(NetworkIsolationTest, CraftedFramesNeverCrossNetworks) {
    NetworkTable table;
    auto red = *table.create("red", "10.10.0.0/24");
    auto blue = *table.create("blue", "10.20.0.0/24");
    // Same MAC and same host-part on both sides: the worst case for a shared table.
    MacAddress shared = *MacAddress::parse("02:00:00:00:00:01");
    MacAddress red_only = *MacAddress::parse("02:00:00:00:00:02");
    auto red_sink = std::make_shared<CountingSink>(), red_sink2 = std::make_shared<CountingSink>();
    auto blue_sink = std::make_shared<CountingSink>(), blue_sink2 = std::make_shared<CountingSink>();
    PortId r0 = *red->l2_switch().add_port({red_sink, std::nullopt, true});
    ASSERT_TRUE(red->l2_switch().add_port({red_sink2, red_only, true}));
    ASSERT_TRUE(blue->l2_switch().add_port({blue_sink, shared, true}));
    ASSERT_TRUE(blue->l2_switch().add_port({blue_sink2, std::nullopt, true}));
    Ipv4Address blue_guest = *blue->addresses().allocate();

    std::vector<std::vector<uint8_t>> crafted = {
        frame(MacAddress::broadcast(), shared, 0x0806, arp_payload(shared, red->host_address(), blue_guest)),
        frame(shared, red_only, 0x0800, {0x45, 0, 0, 20}),
        frame(*MacAddress::parse("01:00:5e:00:00:01"), shared, 0x0800, {}),
        frame(MacAddress::broadcast(), shared, 0x8100, {0x00, 0x02, 0x08, 0x06}), // VLAN-tagged
        frame(MacAddress::broadcast(), MacAddress::broadcast(), 0x0806, {}),
    };
    for (const auto& f : crafted)
        red->l2_switch().receive(r0, f, 1);
    std::mt19937 rng(7);
    for (int i = 0; i < 20'000; ++i) { // random bytes, lengths around the limits
        std::vector<uint8_t> f(rng() % 1600);
        for (auto& byte : f)
            byte = static_cast<uint8_t>(rng());
        red->l2_switch().receive(r0, f, 2 + static_cast<uint64_t>(i));
    }
    EXPECT_GT(red_sink2->frames, 0u); // red's own port got red's traffic
    EXPECT_EQ(blue_sink->frames, 0u);
    EXPECT_EQ(blue_sink2->frames, 0u);
    EXPECT_EQ(blue->l2_switch().stats().frames, 0u);
    EXPECT_EQ(blue->l2_switch().lookup(shared), 0u); // blue's table untouched by red's frames
}
