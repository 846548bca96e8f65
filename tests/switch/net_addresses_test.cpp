// Unit tests: MacAddress, Ipv4Address and Ipv4Cidr parsing, formatting and edge cases.
#include "net/ipv4_cidr.h"
#include "net/mac_address.h"

#include <gtest/gtest.h>

using namespace sf::net;

TEST(MacAddressTest, ParsesAndFormats) {
    auto mac = MacAddress::parse("02:0A:fF:00:10:9b");
    ASSERT_TRUE(mac) << mac.error().message;
    EXPECT_EQ(mac->to_string(), "02:0a:ff:00:10:9b");
    EXPECT_EQ(mac->to_u64(), 0x020aff00109bu);
    EXPECT_EQ(MacAddress::from_u64(mac->to_u64()), *mac);
    EXPECT_TRUE(mac->is_locally_administered());
    EXPECT_TRUE(mac->is_unicast());
}

TEST(MacAddressTest, RefusesMalformed) {
    for (const char* text :
         {"", "02:00:00:00:00", "02:00:00:00:00:001", "02-00-00-00-00-01", "0g:00:00:00:00:01",
          "02:00:00:00:00:0", " 02:00:00:00:00:01", "02:00:00:00:00:01 "}) {
        auto mac = MacAddress::parse(text);
        ASSERT_FALSE(mac) << text;
        EXPECT_EQ(mac.error().kind, sf::ErrorKind::InvalidArgument);
        EXPECT_NE(mac.error().message.find(text), std::string::npos) << mac.error().message;
    }
}

TEST(MacAddressTest, Classes) {
    EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
    EXPECT_TRUE(MacAddress::broadcast().is_multicast());
    EXPECT_FALSE(MacAddress::broadcast().is_unicast());
    EXPECT_TRUE(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
    EXPECT_TRUE(MacAddress().is_zero());
    EXPECT_FALSE(MacAddress().is_unicast());
    EXPECT_FALSE(MacAddress::parse("00:1b:21:00:00:01")->is_locally_administered());
}

TEST(Ipv4AddressTest, ParsesStrictDottedQuad) {
    auto address = Ipv4Address::parse("10.1.255.0");
    ASSERT_TRUE(address);
    EXPECT_EQ(address->value(), 0x0a01ff00u);
    EXPECT_EQ(address->to_string(), "10.1.255.0");
    for (const char* text : {"", "10.1", "10.0.0.256", "10.0.0.01", "10.0.0.1.", "10..0.1", "a.b.c.d",
                             "10.0.0.1 ", "1000.0.0.1", "-1.0.0.0"})
        EXPECT_FALSE(Ipv4Address::parse(text)) << text;
}

TEST(CidrTest, ParsesAndFormats) {
    auto cidr = Ipv4Cidr::parse("192.168.4.0/22");
    ASSERT_TRUE(cidr) << cidr.error().message;
    EXPECT_EQ(cidr->to_string(), "192.168.4.0/22");
    EXPECT_EQ(cidr->mask(), 0xfffffc00u);
    EXPECT_EQ(cidr->broadcast().to_string(), "192.168.7.255");
    EXPECT_EQ(cidr->size(), 1024u);
    EXPECT_TRUE(cidr->contains(*Ipv4Address::parse("192.168.7.9")));
    EXPECT_FALSE(cidr->contains(*Ipv4Address::parse("192.168.8.0")));
}

TEST(CidrTest, PrefixOutOfRange) {
    auto cidr = Ipv4Cidr::parse("10.0.0.0/33");
    ASSERT_FALSE(cidr);
    EXPECT_EQ(cidr.error().message, "10.0.0.0/33: prefix length must be 0-32");
    EXPECT_EQ(cidr.error().kind, sf::ErrorKind::InvalidArgument);
    for (const char* text : {"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/2x", "10.0.0.0/1000",
                             "10.0.0.0", "10.0.0/8", "/8"})
        EXPECT_FALSE(Ipv4Cidr::parse(text)) << text;
}

TEST(CidrTest, HostBitsAreRefusedWithTheFix) {
    auto cidr = Ipv4Cidr::parse("10.0.0.5/24");
    ASSERT_FALSE(cidr);
    EXPECT_EQ(cidr.error().message, "10.0.0.5/24: host bits are set; the subnet is 10.0.0.0/24");
}

TEST(CidrTest, EdgePrefixes) {
    auto all = Ipv4Cidr::parse("0.0.0.0/0");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->mask(), 0u);
    EXPECT_EQ(all->size(), uint64_t{1} << 32);
    EXPECT_EQ(all->broadcast().to_string(), "255.255.255.255");
    auto one = Ipv4Cidr::parse("10.0.0.7/32");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->size(), 1u);
    EXPECT_EQ(one->broadcast(), one->network());
    auto pair = Ipv4Cidr::parse("10.0.0.6/31");
    ASSERT_TRUE(pair);
    EXPECT_EQ(pair->broadcast().to_string(), "10.0.0.7");
}

TEST(CidrTest, Overlaps) {
    auto a = *Ipv4Cidr::parse("10.0.0.0/16");
    auto b = *Ipv4Cidr::parse("10.0.5.0/24");
    auto c = *Ipv4Cidr::parse("10.1.0.0/24");
    EXPECT_TRUE(a.overlaps(b));
    EXPECT_TRUE(b.overlaps(a));
    EXPECT_FALSE(a.overlaps(c));
    EXPECT_FALSE(c.overlaps(b));
    EXPECT_TRUE(a.overlaps(a));
}
