// Unit tests: guest ports bound to their address (L2Switch::bind_address,
// net/address_binding.h): forged ARP and forged source IPs from a guest are
// dropped, counted and never flooded; the guest's own traffic passes.
#include "net/l2_switch.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

using namespace sf::net;

namespace {

struct RecordingSink : PortSink {
    std::vector<std::vector<uint8_t>> frames;
    void deliver(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
};

const MacAddress kGuestMac = *MacAddress::parse("02:00:00:00:00:0a");
const MacAddress kVictimMac = *MacAddress::parse("02:00:00:00:00:0b");
const MacAddress kHostMac = *MacAddress::parse("06:00:00:00:00:01");
const Ipv4Address kGuestIp = *Ipv4Address::parse("10.0.0.10");
const Ipv4Address kVictimIp = *Ipv4Address::parse("10.0.0.11");
const Ipv4Address kHostIp = *Ipv4Address::parse("10.0.0.1");

constexpr uint16_t kArpRequest = 1, kArpReply = 2;

void put16(std::vector<uint8_t>& f, uint16_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& f, uint32_t v) {
    put16(f, static_cast<uint16_t>(v >> 16));
    put16(f, static_cast<uint16_t>(v));
}
void put_mac(std::vector<uint8_t>& f, MacAddress mac) {
    f.insert(f.end(), mac.bytes().begin(), mac.bytes().end());
}

// An Ethernet header: destination, source, then each of `types` (VLAN tags
// with VLAN 0, then the EtherType).
std::vector<uint8_t> ethernet(MacAddress dst, MacAddress src, std::initializer_list<uint16_t> types) {
    std::vector<uint8_t> f;
    put_mac(f, dst);
    put_mac(f, src);
    size_t i = 0;
    for (uint16_t type : types) {
        put16(f, type);
        if (++i < types.size()) put16(f, 0); // the tag's priority and VLAN id
    }
    return f;
}

struct Arp {
    uint16_t op = kArpRequest;
    MacAddress sender_mac = kGuestMac;
    Ipv4Address sender_ip = kGuestIp;
    Ipv4Address target_ip = kHostIp;
    uint16_t hardware_type = 1;
};

// An ARP frame from `source` to broadcast, padded to 60 bytes as guests send it.
std::vector<uint8_t> arp_frame(const Arp& arp, MacAddress source = kGuestMac,
                               std::initializer_list<uint16_t> types = {0x0806}) {
    std::vector<uint8_t> f = ethernet(MacAddress::broadcast(), source, types);
    put16(f, arp.hardware_type);
    put16(f, 0x0800);
    f.push_back(6);
    f.push_back(4);
    put16(f, arp.op);
    put_mac(f, arp.sender_mac);
    put32(f, arp.sender_ip.value());
    put_mac(f, MacAddress());
    put32(f, arp.target_ip.value());
    f.resize(std::max<size_t>(f.size(), 60), 0);
    return f;
}

// A UDP datagram's IPv4 frame (checksums are not the switch's business).
std::vector<uint8_t> ipv4_frame(MacAddress dst, Ipv4Address source, Ipv4Address destination,
                                std::initializer_list<uint16_t> types = {0x0800}) {
    std::vector<uint8_t> f = ethernet(dst, kGuestMac, types);
    const std::vector<uint8_t> header = {0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0};
    f.insert(f.end(), header.begin(), header.end());
    put32(f, source.value());
    put32(f, destination.value());
    const std::vector<uint8_t> udp = {0x30, 0x39, 0, 7, 0, 8, 0, 0};
    f.insert(f.end(), udp.begin(), udp.end());
    f.resize(std::max<size_t>(f.size(), 60), 0);
    return f;
}

// A network: a guest and a victim guest (both locked and bound) and the uplink.
struct BindingTest : ::testing::Test {
    BindingTest() {
        guest = add(kGuestMac);
        victim = add(kVictimMac);
        uplink = add(std::nullopt);
        EXPECT_TRUE(sw.bind_address(guest, kGuestIp));
        EXPECT_TRUE(sw.bind_address(victim, kVictimIp));
    }
    PortId add(std::optional<MacAddress> locked) {
        sinks.push_back(std::make_shared<RecordingSink>());
        auto port = sw.add_port(PortOptions{sinks.back(), locked, true});
        EXPECT_TRUE(port) << port.error().message;
        return *port;
    }
    // Frames delivered to anyone but the sender.
    size_t delivered() const {
        size_t n = 0;
        for (const auto& sink : sinks)
            n += sink->frames.size();
        return n;
    }
    uint64_t drops(DropReason reason) const { return sw.stats().drops[static_cast<size_t>(reason)]; }
    uint64_t port_drops(PortId port, DropReason reason) const {
        return sw.port_stats(port)->rx_drops[static_cast<size_t>(reason)];
    }

    L2Switch sw;
    std::vector<std::shared_ptr<RecordingSink>> sinks;
    PortId guest = 0, victim = 0, uplink = 0;
};

} // namespace

// The finding: a guest announcing a neighbour's address as its own (a
// gratuitous ARP) reached every guest and the host, poisoning their ARP caches.
TEST_F(BindingTest, ForgedArpFromAGuestIsDroppedAndNotFlooded) {
    const std::vector<std::vector<uint8_t>> forged = {
        // Gratuitous ARP: "the victim's address is at my MAC".
        arp_frame({kArpRequest, kGuestMac, kVictimIp, kVictimIp}),
        arp_frame({kArpReply, kGuestMac, kVictimIp, kVictimIp}),
        // A reply or a request in the victim's name.
        arp_frame({kArpReply, kGuestMac, kVictimIp, kHostIp}),
        arp_frame({kArpRequest, kGuestMac, kHostIp, kVictimIp}),
        // Its own address, but someone else's MAC as the sender hardware address.
        arp_frame({kArpReply, kVictimMac, kGuestIp, kHostIp}),
        // IEEE 802 hardware type (Linux learns from it too).
        arp_frame({kArpReply, kGuestMac, kVictimIp, kHostIp, 6}),
        // 0.0.0.0 as the sender of a reply (only requests may probe).
        arp_frame({kArpReply, kGuestMac, Ipv4Address(), kHostIp}),
    };
    for (const auto& frame : forged)
        sw.receive(guest, frame, 1);
    // Cut short: the sender fields cannot be read, so they are not trusted.
    std::vector<uint8_t> truncated = arp_frame({kArpRequest, kGuestMac, kVictimIp, kVictimIp});
    truncated.resize(14 + 20);
    sw.receive(guest, truncated, 1);

    EXPECT_EQ(delivered(), 0u) << "a forged ARP reached another port";
    EXPECT_EQ(drops(DropReason::ForgedArp), forged.size() + 1);
    EXPECT_EQ(port_drops(guest, DropReason::ForgedArp), forged.size() + 1);
    EXPECT_EQ(sw.stats().flooded, 0u);
    EXPECT_EQ(drop_reason_name(DropReason::ForgedArp), "forged_arp");
}

TEST_F(BindingTest, TheGuestsOwnArpPasses) {
    sw.receive(guest, arp_frame({kArpRequest, kGuestMac, kGuestIp, kGuestIp}), 1); // its own announcement
    sw.receive(guest, arp_frame({kArpRequest, kGuestMac, kGuestIp, kVictimIp}), 1);
    sw.receive(guest, arp_frame({kArpRequest, kGuestMac, Ipv4Address(), kVictimIp}), 1); // RFC 5227 probe
    EXPECT_EQ(sinks[victim]->frames.size(), 3u);
    EXPECT_EQ(sinks[uplink]->frames.size(), 3u);
    std::vector<uint8_t> reply = arp_frame({kArpReply, kGuestMac, kGuestIp, kVictimIp});
    std::copy(kVictimMac.bytes().begin(), kVictimMac.bytes().end(), reply.begin());
    sw.receive(guest, reply, 1); // unicast to the victim's locked MAC
    EXPECT_EQ(sinks[victim]->frames.size(), 4u);
    EXPECT_EQ(sw.stats().drops, DropCounters{});
}

TEST_F(BindingTest, ForgedSourceIpFromAGuestIsDropped) {
    sw.receive(guest, ipv4_frame(kHostMac, kVictimIp, kHostIp), 1);
    sw.receive(guest, ipv4_frame(kVictimMac, kHostIp, kVictimIp), 1); // the host's address
    sw.receive(guest, ipv4_frame(MacAddress::broadcast(), kVictimIp, Ipv4Address(0x0a0000ff)), 1);
    sw.receive(guest, ipv4_frame(MacAddress::broadcast(), Ipv4Address(), Ipv4Address(0xffffffff)),
               1); // no DHCP
    std::vector<uint8_t> truncated = ipv4_frame(kHostMac, kGuestIp, kHostIp);
    truncated.resize(14 + 19); // shorter than an IPv4 header
    sw.receive(guest, truncated, 1);
    EXPECT_EQ(delivered(), 0u) << "a forged IPv4 packet reached another port";
    EXPECT_EQ(drops(DropReason::ForgedIp), 5u);
    EXPECT_EQ(port_drops(guest, DropReason::ForgedIp), 5u);

    sw.receive(guest, ipv4_frame(kVictimMac, kGuestIp, kVictimIp), 2); // its own address passes
    EXPECT_EQ(sinks[victim]->frames.size(), 1u);
    EXPECT_EQ(drop_reason_name(DropReason::ForgedIp), "forged_ip");
}

// Linux strips priority tags (VLAN 0), one after the other, and acts on what
// is inside: a tag must not be a way around the check.
TEST_F(BindingTest, VlanTagsDoNotHideAForgery) {
    const Arp garp{kArpRequest, kGuestMac, kVictimIp, kVictimIp};
    sw.receive(guest, arp_frame(garp, kGuestMac, {0x8100, 0x0806}), 1);
    sw.receive(guest, arp_frame(garp, kGuestMac, {0x88a8, 0x0806}), 1);
    sw.receive(guest, ipv4_frame(kHostMac, kVictimIp, kHostIp, {0x8100, 0x0800}), 1);
    EXPECT_EQ(drops(DropReason::ForgedArp), 2u);
    EXPECT_EQ(drops(DropReason::ForgedIp), 1u);
    // Two tags: what is inside is not looked at, the frame is dropped.
    sw.receive(guest,
               arp_frame({kArpRequest, kGuestMac, kGuestIp, kGuestIp}, kGuestMac, {0x8100, 0x8100, 0x0806}),
               1);
    sw.receive(guest, arp_frame(garp, kGuestMac, {0x88a8, 0x8100, 0x0806}), 1);
    EXPECT_EQ(drops(DropReason::StackedTags), 2u);
    EXPECT_EQ(delivered(), 0u);
    // One tag around the guest's own ARP passes, as any single-tagged frame does.
    sw.receive(guest, arp_frame({kArpRequest, kGuestMac, kGuestIp, kGuestIp}, kGuestMac, {0x8100, 0x0806}),
               2);
    EXPECT_EQ(sinks[victim]->frames.size(), 1u);
}

TEST_F(BindingTest, OtherEtherTypesAndUnboundPortsAreNotChecked) {
    std::vector<uint8_t> experimental = ethernet(MacAddress::broadcast(), kGuestMac, {0x88b5});
    experimental.resize(60, 0);
    sw.receive(guest, experimental, 1); // no address of its protocol is assigned
    EXPECT_EQ(sinks[victim]->frames.size(), 1u);
    // The uplink (the host and what lies behind it) is not bound: anything goes.
    sw.receive(uplink, arp_frame({kArpRequest, kHostMac, kHostIp, kVictimIp}, kHostMac), 1);
    sw.receive(uplink, arp_frame({kArpReply, kHostMac, Ipv4Address(0x0a000063), kGuestIp}, kHostMac), 1);
    EXPECT_EQ(sinks[guest]->frames.size(), 2u);
    // A locked port not bound (yet): only its MAC is held.
    const auto other = *MacAddress::parse("02:00:00:00:00:0c");
    PortId unbound = add(other);
    sw.receive(unbound, arp_frame({kArpRequest, other, kVictimIp, kVictimIp}, other), 1);
    EXPECT_EQ(sw.stats().drops, DropCounters{});
    // Once bound, it is held to its address; binding again moves it.
    ASSERT_TRUE(sw.bind_address(unbound, Ipv4Address(0x0a00000c)));
    sw.receive(unbound, arp_frame({kArpRequest, other, kVictimIp, kVictimIp}, other), 2);
    EXPECT_EQ(drops(DropReason::ForgedArp), 1u);
    ASSERT_TRUE(sw.bind_address(unbound, kVictimIp));
    sw.receive(unbound, arp_frame({kArpRequest, other, kVictimIp, kVictimIp}, other), 3);
    EXPECT_EQ(drops(DropReason::ForgedArp), 1u);
}

TEST_F(BindingTest, OnlyAMacLockedPortCanBeBound) {
    EXPECT_EQ(sw.bind_address(uplink, kHostIp).error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(sw.bind_address(guest, Ipv4Address()).error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(sw.bind_address(99, kGuestIp).error().kind, sf::ErrorKind::NotFound);
}

// What an operator sees: which port (its MAC, its address) dropped what.
TEST_F(BindingTest, PortsWithDropsNameTheGuest) {
    for (int i = 0; i < 3; ++i)
        sw.receive(guest, arp_frame({kArpRequest, kGuestMac, kVictimIp, kVictimIp}), 1);
    sw.receive(guest, ipv4_frame(kHostMac, kVictimIp, kHostIp), 1);
    sw.receive(victim, ipv4_frame(kHostMac, kVictimIp, kHostIp), 1); // spoofed Ethernet source: kGuestMac
    std::vector<PortDrops> ports = sw.ports_with_drops();
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0].port, guest);
    EXPECT_EQ(ports[0].locked_mac, kGuestMac);
    EXPECT_EQ(ports[0].bound_address, kGuestIp);
    EXPECT_EQ(ports[0].drops[static_cast<size_t>(DropReason::ForgedArp)], 3u);
    EXPECT_EQ(ports[0].drops[static_cast<size_t>(DropReason::ForgedIp)], 1u);
    EXPECT_EQ(ports[1].port, victim);
    EXPECT_EQ(ports[1].drops[static_cast<size_t>(DropReason::Spoofed)], 1u);
}
