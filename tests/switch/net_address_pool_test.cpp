// Unit tests: AddressPool (per-network IPv4 allocation) and MacAllocator.
#include "net/address_pool.h"
#include "net/mac_allocator.h"

#include <gtest/gtest.h>

#include <set>

using namespace sf::net;

namespace {

Ipv4Address ip(const char* text) {
    return *Ipv4Address::parse(text);
}

std::unique_ptr<AddressPool> pool(const char* cidr) {
    auto created = AddressPool::create(*Ipv4Cidr::parse(cidr));
    EXPECT_TRUE(created) << (created ? "" : created.error().message);
    return created ? std::move(*created) : nullptr;
}

} // namespace

TEST(AddressPoolTest, HostGetsFirstAddressGuestsTheRest) {
    auto p = pool("10.0.0.0/29"); // .0 network, .1 host, .2-.6 guests, .7 broadcast
    EXPECT_EQ(p->host_address(), ip("10.0.0.1"));
    EXPECT_EQ(p->capacity(), 5u);
    std::vector<std::string> got;
    for (int i = 0; i < 5; ++i) {
        auto a = p->allocate();
        ASSERT_TRUE(a) << a.error().message;
        got.push_back(a->to_string());
    }
    EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
    auto full = p->allocate();
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().kind, sf::ErrorKind::ResourceExhausted);
    EXPECT_NE(full.error().message.find("10.0.0.0/29"), std::string::npos);
}

TEST(AddressPoolTest, ReleasedAddressIsReusedAfterWrap) {
    auto p = pool("10.0.0.0/29");
    ASSERT_TRUE(p->allocate()); // .2
    ASSERT_TRUE(p->allocate()); // .3
    ASSERT_TRUE(p->release(ip("10.0.0.2")));
    EXPECT_EQ(p->allocate()->to_string(), "10.0.0.4"); // not .2 at once
    EXPECT_EQ(p->allocate()->to_string(), "10.0.0.5");
    EXPECT_EQ(p->allocate()->to_string(), "10.0.0.6");
    EXPECT_EQ(p->allocate()->to_string(), "10.0.0.2"); // wrapped
    EXPECT_FALSE(p->allocate());
}

TEST(AddressPoolTest, ClaimConflictsAndBadAddresses) {
    auto p = pool("10.0.0.0/24");
    ASSERT_TRUE(p->claim(ip("10.0.0.50")));
    auto again = p->claim(ip("10.0.0.50"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(again.error().message, "address 10.0.0.50 is already in use on 10.0.0.0/24");
    struct Case {
        const char* address;
        const char* message;
    };
    for (Case c : {Case{"10.0.1.5", "10.0.1.5 is outside the network's subnet 10.0.0.0/24"},
                   Case{"10.0.0.0", "10.0.0.0 is the network address of 10.0.0.0/24"},
                   Case{"10.0.0.255", "10.0.0.255 is the broadcast address of 10.0.0.0/24"},
                   Case{"10.0.0.1", "10.0.0.1 is the host's address on 10.0.0.0/24"}}) {
        auto r = p->claim(ip(c.address));
        ASSERT_FALSE(r) << c.address;
        EXPECT_EQ(r.error().kind, sf::ErrorKind::InvalidArgument);
        EXPECT_EQ(r.error().message, c.message);
    }
    // allocate() skips claimed addresses.
    for (int i = 0; i < 60; ++i)
        EXPECT_NE(*p->allocate(), ip("10.0.0.50"));
    auto missing = p->release(ip("10.0.0.200"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, sf::ErrorKind::NotFound);
}

TEST(AddressPoolTest, SmallestAndRefusedPrefixes) {
    auto p30 = pool("10.0.0.4/30"); // .4 network, .5 host, .6 guest, .7 broadcast
    EXPECT_EQ(p30->capacity(), 1u);
    EXPECT_EQ(p30->allocate()->to_string(), "10.0.0.6");
    EXPECT_FALSE(p30->allocate());
    for (const char* cidr : {"10.0.0.0/31", "10.0.0.1/32", "0.0.0.0/0", "10.0.0.0/7"}) {
        auto r = AddressPool::create(*Ipv4Cidr::parse(cidr));
        ASSERT_FALSE(r) << cidr;
        EXPECT_EQ(r.error().kind, sf::ErrorKind::InvalidArgument);
        EXPECT_NE(r.error().message.find("/8 to /30"), std::string::npos);
    }
}

TEST(AddressPoolTest, Slash16And8CostOnlyWhatIsUsed) {
    auto p16 = pool("172.16.0.0/16");
    EXPECT_EQ(p16->capacity(), 65533u);
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(p16->allocate());
    EXPECT_EQ(p16->in_use_count(), 1000u);
    ASSERT_TRUE(p16->claim(ip("172.16.255.254")));
    EXPECT_FALSE(p16->claim(ip("172.16.255.255")));
    auto p8 = pool("10.0.0.0/8");
    EXPECT_EQ(p8->capacity(), (1u << 24) - 3);
    EXPECT_EQ(p8->allocate()->to_string(), "10.0.0.2");
}

TEST(AddressPoolTest, FillsASlash22Completely) {
    auto p = pool("10.8.0.0/22");
    std::set<uint32_t> seen;
    for (uint64_t i = 0; i < p->capacity(); ++i) {
        auto a = p->allocate();
        ASSERT_TRUE(a);
        ASSERT_TRUE(seen.insert(a->value()).second);
    }
    EXPECT_FALSE(p->allocate());
    ASSERT_TRUE(p->release(ip("10.8.2.77")));
    EXPECT_EQ(p->allocate()->to_string(), "10.8.2.77");
}

TEST(MacAllocatorTest, DeterministicLocallyAdministeredUnicast) {
    MacAllocator macs(0x53);
    EXPECT_EQ(macs.allocate()->to_string(), "02:53:00:00:00:01");
    EXPECT_EQ(macs.allocate()->to_string(), "02:53:00:00:00:02");
    std::set<MacAddress> seen;
    for (int i = 0; i < 10000; ++i) {
        MacAddress mac = *macs.allocate();
        EXPECT_TRUE(mac.is_unicast());
        EXPECT_TRUE(mac.is_locally_administered());
        ASSERT_TRUE(seen.insert(mac).second);
    }
    EXPECT_EQ(macs.in_use_count(), 10002u);
    MacAllocator other_host(0x54);
    EXPECT_FALSE(seen.count(*other_host.allocate()));
}

TEST(MacAllocatorTest, ClaimReleaseAndSkip) {
    MacAllocator macs;
    auto taken = *MacAddress::parse("02:00:00:00:00:02");
    ASSERT_TRUE(macs.claim(taken)); // a guest migrating in keeps its MAC
    auto again = macs.claim(taken);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(macs.allocate()->to_string(), "02:00:00:00:00:01");
    EXPECT_EQ(macs.allocate()->to_string(), "02:00:00:00:00:03"); // skips the claimed one
    EXPECT_FALSE(macs.claim(MacAddress::broadcast()));
    // Reserved: only what some host's allocator hands out (02:TT:CC:CC:CC:CC, CC.. != 0) is claimed.
    for (const char* reserved :
         {"06:12:34:56:78:9a", "00:1b:21:00:00:01", "02:00:00:00:00:00", "0a:00:00:00:00:01"})
        EXPECT_EQ(macs.claim(*MacAddress::parse(reserved)).error().kind, sf::ErrorKind::InvalidArgument)
            << reserved;
    EXPECT_TRUE(macs.claim(*MacAddress::parse("02:54:00:00:00:07"))); // another host's guest
    ASSERT_TRUE(macs.release(taken));
    EXPECT_FALSE(macs.in_use(taken));
    EXPECT_EQ(macs.release(taken).error().kind, sf::ErrorKind::NotFound);
}
