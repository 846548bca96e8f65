// Unit tests: sfd's switch service binds every guest port to the address its
// lease gave (lease, restore after an sfd restart, claim for a guest restored
// from a snapshot or migrated here): a guest's forged ARP and forged source
// IPs are dropped and counted where the network's stats are shown, its
// broadcast storm is cut to its budget, and the host's ARP cache stays right.
// Real uplink TAPs: each test runs in a private network namespace (skipped
// without the right to make one).
#include "frame_channel_peer.h"
#include "host/net_service.h"
#include "net/arp_responder.h"
#include "net/frame_channel.h"
#include "netns_test_support.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

using sf::host::NetService;
using sf::host::NicLease;
using sf::net::Ipv4Address;
using sf::net::MacAddress;
using sf::test::ChannelFrame;
using sf::test::eventually;
using sf::test::next_frame;

namespace {

constexpr const char* kNetwork = "sfb0";
const Ipv4Address kHostIp = *Ipv4Address::parse("10.77.0.1");

// One guest's NIC as its worker sees it: the lease and the worker's end of a
// frame channel of its own.
struct Guest {
    NicLease lease;
    sf::UniqueFd channel;
};

// A service with network sfb0 (10.77.0.0/24) and three guests, one for each
// way a lease is made: [0] claim() (an arrival: restored from a snapshot or
// migrated), [1] restore() (a survivor of an sfd restart), [2] lease() (a new guest).
struct TestNetwork {
    std::unique_ptr<NetService> service;
    std::vector<Guest> guests;

    bool attach(int worker, NicLease lease) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return false;
        service->attach_worker(worker, sf::UniqueFd(pair[0]));
        service->bind(lease.port_key, worker);
        guests.push_back(Guest{lease, sf::UniqueFd(pair[1])});
        return true;
    }
    nlohmann::json stats() const { return service->network_info(kNetwork)->stats; }
    uint64_t dropped(const char* reason) const { return stats()["dropped"][reason]; }
    // Sends `frame` from guest `i`, waiting while sfd's side of its channel is full.
    void send(size_t i, std::span<const uint8_t> frame) {
        const Guest& guest = guests[i];
        for (;;) {
            auto sent = sf::net::frames::send_frame(guest.channel.get(), guest.lease.port_key, frame);
            ASSERT_TRUE(sent) << sent.error().message;
            if (*sent == sf::net::frames::SendStatus::Sent) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
};

TestNetwork network_with_three_guests(sf::host::NetServiceOptions options = {.pool_target = 4}) {
    TestNetwork net;
    auto service = NetService::create(options);
    EXPECT_TRUE(service) << service.error().message;
    if (!service) return net;
    net.service = std::move(*service);
    net.service->reserve_keys(100);
    EXPECT_TRUE(net.service->create_network({kNetwork, "10.77.0.0/24"}));
    auto arrival = net.service->claim(kNetwork, "02:07:00:00:00:20", "10.77.0.20");
    auto survivor = net.service->restore(kNetwork, "02:00:00:00:10:21", "10.77.0.21", 50);
    auto fresh = net.service->lease(kNetwork, "");
    for (auto* lease : {&arrival, &survivor, &fresh}) {
        EXPECT_TRUE(*lease) << lease->error().message;
        if (!*lease || !net.attach(static_cast<int>(net.guests.size()) + 1, **lease)) {
            net.service.reset();
            return net;
        }
    }
    return net;
}

// An ARP request from `mac` in the name of `sender` for `target`, to broadcast.
std::vector<uint8_t> arp_request(MacAddress mac, Ipv4Address sender, Ipv4Address target) {
    auto garp = sf::net::gratuitous_arp(mac, sender);
    std::vector<uint8_t> frame(garp.begin(), garp.end());
    for (int i = 0; i < 4; ++i)
        frame[38 + static_cast<size_t>(i)] = static_cast<uint8_t>(target.value() >> (24 - 8 * i));
    return frame;
}

// A UDP datagram from `mac` with source address `source` to the host, to broadcast.
std::vector<uint8_t> udp_to_host(MacAddress mac, Ipv4Address source) {
    std::vector<uint8_t> frame(60, 0);
    std::fill_n(frame.begin(), 6, 0xff);
    std::copy(mac.bytes().begin(), mac.bytes().end(), frame.begin() + 6);
    const std::vector<uint8_t> header = {0x08, 0x00, 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0};
    std::copy(header.begin(), header.end(), frame.begin() + 12);
    for (int i = 0; i < 4; ++i) {
        frame[26 + static_cast<size_t>(i)] = static_cast<uint8_t>(source.value() >> (24 - 8 * i));
        frame[30 + static_cast<size_t>(i)] = static_cast<uint8_t>(kHostIp.value() >> (24 - 8 * i));
    }
    return frame;
}

// The MAC the host's ARP cache (this thread's network namespace) holds for `ip`, as text.
std::string host_arp_entry(Ipv4Address ip) {
    std::ifstream table("/proc/thread-self/net/arp");
    std::string line;
    std::getline(table, line); // the column names
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string address, type, flags, mac;
        fields >> address >> type >> flags >> mac;
        if (address == ip.to_string() && flags != "0x0") return mac;
    }
    return "";
}

// Sends the guest at `ip` a datagram from the host: the host resolves it (the
// ARP responder answers) and keeps its MAC in its ARP cache.
void host_sends_to(Ipv4Address ip) {
    sf::UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(ip.value());
    EXPECT_EQ(::sendto(udp.get(), "hi", 2, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 2);
}

// Whether guest `guest`'s channel brings, within 300 ms, a frame `match` accepts.
bool receives(const Guest& guest, const std::function<bool(const ChannelFrame&)>& match) {
    while (auto frame = next_frame(guest.channel.get(), std::chrono::milliseconds(300)))
        if (match(*frame)) return true;
    return false;
}

bool is_arp_reply(const ChannelFrame& frame) {
    return frame.bytes.size() >= 42 && frame.bytes[12] == 0x08 && frame.bytes[13] == 0x06 &&
           frame.bytes[21] == 2;
}

} // namespace

// The finding, end to end: a guest that arrived by migration announces its
// neighbour's address as its own. Before the fix the gratuitous ARP reached
// the uplink and the host's ARP cache sent the neighbour's traffic to it.
TEST(NetServiceBinding, ForgedArpFromAGuestDoesNotPoisonTheHost) {
    SF_IN_NETNS([] {
        TestNetwork net = network_with_three_guests();
        ASSERT_TRUE(net.service);
        const Guest& attacker = net.guests[0];
        const Guest& victim = net.guests[1];
        host_sends_to(victim.lease.ip);
        ASSERT_TRUE(
            eventually([&] { return host_arp_entry(victim.lease.ip) == victim.lease.mac.to_string(); }));

        const auto forged = sf::net::gratuitous_arp(attacker.lease.mac, victim.lease.ip);
        net.send(0, forged);
        EXPECT_TRUE(eventually([&] { return net.dropped("forged_arp") == 1; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // what would have reached the host has
        EXPECT_EQ(host_arp_entry(victim.lease.ip), victim.lease.mac.to_string())
            << "the host's ARP cache was poisoned";
        EXPECT_FALSE(receives(net.guests[2], [&](const ChannelFrame& f) {
            return std::equal(forged.begin(), forged.end(), f.bytes.begin(), f.bytes.end());
        })) << "the forged ARP was flooded to another guest";
    });
}

TEST(NetServiceBinding, EveryKindOfLeaseIsBoundAndItsDropsAreShown) {
    SF_IN_NETNS([] {
        TestNetwork net = network_with_three_guests();
        ASSERT_TRUE(net.service);
        const Ipv4Address unassigned = *Ipv4Address::parse("10.77.0.99");
        for (size_t i = 0; i < net.guests.size(); ++i) {
            const MacAddress mac = net.guests[i].lease.mac;
            for (size_t n = 0; n <= i; ++n) // i + 1 forged ARPs from guest i, to tell them apart
                net.send(i, sf::net::gratuitous_arp(mac, unassigned));
            net.send(i, udp_to_host(mac, unassigned));
            net.send(i, udp_to_host(mac, net.guests[i].lease.ip)); // its own: passes
        }
        ASSERT_TRUE(eventually([&] { return net.dropped("forged_ip") == 3; }));
        EXPECT_EQ(net.dropped("forged_arp"), 6u);
        const nlohmann::json stats = net.stats();
        EXPECT_EQ(stats["ports_dropping"], 3);
        ASSERT_EQ(stats["port_drops"].size(), 3u);
        for (size_t rank = 0; rank < 3; ++rank) { // most drops first
            const nlohmann::json& port = stats["port_drops"][rank];
            const NicLease& lease = net.guests[2 - rank].lease;
            EXPECT_EQ(port["mac"], lease.mac.to_string()) << port.dump();
            EXPECT_EQ(port["ip"], lease.ip.to_string()) << port.dump();
            EXPECT_EQ(port["dropped"]["forged_arp"], 3 - rank) << port.dump();
            EXPECT_EQ(port["dropped"]["forged_ip"], 1) << port.dump();
        }
    });
}

// The ARP responder answers for the switch: it must not answer a request in
// another's name either (the switch drops and counts it instead).
TEST(NetServiceBinding, TheArpResponderAnswersOnlyTheGuestsOwnRequests) {
    SF_IN_NETNS([] {
        TestNetwork net = network_with_three_guests();
        ASSERT_TRUE(net.service);
        const Guest& guest = net.guests[0];
        net.send(0, arp_request(guest.lease.mac, net.guests[1].lease.ip, kHostIp));
        EXPECT_FALSE(receives(guest, is_arp_reply)) << "a forged request was answered";
        EXPECT_EQ(net.dropped("forged_arp"), 1u);
        net.send(0, arp_request(guest.lease.mac, guest.lease.ip, kHostIp));
        EXPECT_TRUE(receives(guest, is_arp_reply));
        EXPECT_EQ(net.dropped("forged_arp"), 1u);
    });
}

TEST(NetServiceBinding, ABroadcastStormIsCutToTheGuestsBudget) {
    SF_IN_NETNS([] {
        TestNetwork net = network_with_three_guests(
            {.pool_target = 4, .switch_config = {.flood_burst = 10, .flood_per_second = 1}});
        ASSERT_TRUE(net.service);
        const auto started = std::chrono::steady_clock::now();
        std::vector<uint8_t> broadcast(60, 0);
        std::fill_n(broadcast.begin(), 6, 0xff);
        const auto& mac = net.guests[0].lease.mac.bytes();
        std::copy(mac.begin(), mac.end(), broadcast.begin() + 6);
        broadcast[12] = 0x88; // local experimental EtherType
        broadcast[13] = 0xb5;
        constexpr int kStorm = 300;
        for (int i = 0; i < kStorm; ++i)
            net.send(0, broadcast);
        ASSERT_TRUE(eventually([&] { return net.stats()["frames"] >= kStorm; })); // all switched
        size_t reached = 0;
        while (receives(net.guests[2], [&](const ChannelFrame& f) { return f.bytes == broadcast; }))
            ++reached;
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
                .count();
        EXPECT_GE(reached, 10u);
        EXPECT_LE(reached, 10u + static_cast<size_t>(seconds) + 1) << "the storm went past its budget";
        EXPECT_EQ(net.dropped("flood_limited") + reached, static_cast<uint64_t>(kStorm));
    });
}
