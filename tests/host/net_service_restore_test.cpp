// Unit tests: giving a restarted sfd's surviving guests their NICs back
// (PortKeys; NetService::reserve_keys and restore). The NetService tests make
// real uplink TAPs, so each runs on a thread of its own in a new, private
// network namespace; without the right to make one (not root) they skip.
#include "frame_channel_peer.h"
#include "host/net_service.h"
#include "host/port_keys.h"
#include "net/frame_channel.h"
#include "netns_test_support.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

using sf::ErrorKind;
using sf::host::NetService;
using sf::host::NicLease;
using sf::host::PortKeys;
using sf::test::ChannelFrame;
using sf::test::eventually;
using sf::test::next_frame;

TEST(PortKeys, IssuesInOrderAndReservesTheKeysInUse) {
    PortKeys keys;
    EXPECT_EQ(keys.issue(), 1u);
    keys.reserve(100);
    EXPECT_EQ(keys.issue(), 101u);
    ASSERT_TRUE(keys.claim(50));
    EXPECT_EQ(keys.claim(50).error().kind, ErrorKind::Conflict);
    keys.release(50);
    EXPECT_TRUE(keys.claim(50));
    EXPECT_EQ(keys.claim(1).error().kind, ErrorKind::Conflict);   // issued before the reserve
    EXPECT_EQ(keys.claim(101).error().kind, ErrorKind::Conflict); // issued after it
    EXPECT_EQ(keys.claim(0).error().kind, ErrorKind::InvalidArgument);
    keys.reserve(20); // below what is issued: nothing changes
    EXPECT_EQ(keys.issue(), 102u);
}

TEST(PortKeys, ClaimingAKeyNotIssuedYetMovesIssuePastIt) {
    PortKeys keys;
    ASSERT_TRUE(keys.claim(10));
    EXPECT_EQ(keys.issue(), 11u);
    EXPECT_TRUE(keys.claim(5)); // skipped by issue(), so still free
    EXPECT_EQ(keys.claim(10).error().kind, ErrorKind::Conflict);
}

namespace {

// A service with one network, 10.77.0.0/24; keys up to `reserved` kept for restore().
std::unique_ptr<NetService> service_with(const std::string& network, uint32_t reserved = 0,
                                         size_t pool_target = 4) {
    auto service = NetService::create({.pool_target = pool_target});
    EXPECT_TRUE(service) << service.error().message;
    if (!service) return nullptr;
    (*service)->reserve_keys(reserved);
    auto created = (*service)->create_network({network, "10.77.0.0/24"});
    EXPECT_TRUE(created) << created.error().message;
    return std::move(*service);
}

uint64_t in_use(const NetService& service, const std::string& network) {
    return service.network_info(network)->guests;
}

constexpr const char* kMac = "02:00:00:00:10:05";

} // namespace

TEST(NetServiceRestore, GivesBackTheExactLease) {
    SF_IN_NETNS([] {
        auto service = service_with("sfr0");
        ASSERT_TRUE(service);
        auto lease = service->restore("sfr0", kMac, "10.77.0.9", 7);
        ASSERT_TRUE(lease) << lease.error().message;
        EXPECT_EQ(lease->port_key, 7u);
        EXPECT_EQ(lease->network, "sfr0");
        EXPECT_EQ(lease->mac.to_string(), kMac);
        EXPECT_EQ(lease->ip.to_string(), "10.77.0.9");
        EXPECT_EQ(lease->gateway.to_string(), "10.77.0.1");
        EXPECT_EQ(lease->prefix_len, 24u);
        EXPECT_EQ(in_use(*service, "sfr0"), 1u);
        // A new lease gets another address, MAC and key.
        auto other = service->lease("sfr0", "");
        ASSERT_TRUE(other) << other.error().message;
        EXPECT_NE(other->ip, lease->ip);
        EXPECT_NE(other->mac, lease->mac);
        EXPECT_NE(other->port_key, lease->port_key);
    });
}

TEST(NetServiceRestore, ConflictsAndBadArgumentsLeaveNothingClaimed) {
    SF_IN_NETNS([] {
        auto service = service_with("sfr1", 10);
        ASSERT_TRUE(service);
        auto taken = *service->lease("sfr1", "10.77.0.20");
        // Address in use: the MAC and key stay free.
        auto r = service->restore("sfr1", kMac, "10.77.0.20", 3);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, ErrorKind::Conflict);
        // MAC in use by a lease: the address and key stay free.
        r = service->restore("sfr1", taken.mac.to_string(), "10.77.0.30", 3);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, ErrorKind::Conflict);
        // Key in use (handed out to a lease): the address and MAC stay free.
        r = service->restore("sfr1", kMac, "10.77.0.30", taken.port_key);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, ErrorKind::Conflict);
        EXPECT_EQ(service->restore("sfr1", kMac, "10.78.0.30", 3).error().kind, ErrorKind::InvalidArgument);
        EXPECT_EQ(service->restore("sfr1", kMac, "10.77.0.1", 3).error().kind, ErrorKind::InvalidArgument);
        EXPECT_EQ(service->restore("sfr1", "02:00:zz", "10.77.0.30", 3).error().kind,
                  ErrorKind::InvalidArgument);
        EXPECT_EQ(service->restore("sfr1", "01:00:5e:00:00:01", "10.77.0.30", 3).error().kind,
                  ErrorKind::InvalidArgument);
        EXPECT_EQ(service->restore("nope", kMac, "10.77.0.30", 3).error().kind, ErrorKind::NotFound);
        EXPECT_EQ(in_use(*service, "sfr1"), 1u);
        // All of them still free together.
        auto lease = service->restore("sfr1", kMac, "10.77.0.30", 3);
        ASSERT_TRUE(lease) << lease.error().message;
        // ... and now taken: the same key, address or MAC again is a Conflict.
        EXPECT_EQ(service->restore("sfr1", "02:00:00:00:10:06", "10.77.0.31", 3).error().kind,
                  ErrorKind::Conflict);
        EXPECT_EQ(service->restore("sfr1", "02:00:00:00:10:06", "10.77.0.30", 4).error().kind,
                  ErrorKind::Conflict);
        EXPECT_EQ(service->restore("sfr1", kMac, "10.77.0.31", 4).error().kind, ErrorKind::Conflict);
        EXPECT_TRUE(service->restore("sfr1", "02:00:00:00:10:06", "10.77.0.31", 4));
        EXPECT_EQ(in_use(*service, "sfr1"), 3u);
    });
}

namespace {

// The MAC of interface `name`, read in the calling thread's network namespace.
std::optional<sf::net::MacAddress> interface_mac(const std::string& name) {
    sf::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name.c_str());
    if (!sock.valid() || ::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) != 0) return std::nullopt;
    return sf::net::MacAddress::from_bytes(reinterpret_cast<const uint8_t*>(ifr.ifr_hwaddr.sa_data));
}

} // namespace

// An arriving guest (restored or migrated in) that claims the uplink's MAC
// would lock its port to it and take every guest->gateway frame: refused, as
// is every other address no host's MacAllocator hands out; nothing is claimed.
TEST(NetServiceRestore, AnArrivalCannotTakeTheUplinksOrAnyReservedMac) {
    SF_IN_NETNS([] {
        auto service = service_with("sfr9", 10);
        ASSERT_TRUE(service);
        const auto uplink = interface_mac("sfr9");
        ASSERT_TRUE(uplink) << "the uplink TAP sfr9";
        for (const std::string mac : {uplink->to_string(), std::string("06:00:00:00:00:01"),
                                      std::string("00:1b:21:00:00:01"), std::string("02:00:00:00:00:00"),
                                      std::string("ff:ff:ff:ff:ff:ff"), std::string("33:33:00:00:00:01")}) {
            auto arrival = service->restore("sfr9", mac, "10.77.0.40", 3);
            ASSERT_FALSE(arrival) << mac;
            EXPECT_EQ(arrival.error().kind, ErrorKind::InvalidArgument) << mac;
            EXPECT_EQ(service->claim("sfr9", mac, "10.77.0.40").error().kind, ErrorKind::InvalidArgument)
                << mac;
        }
        EXPECT_EQ(in_use(*service, "sfr9"), 0u);
        // The address and the key stayed free; a guest MAC of another host's tag is taken.
        EXPECT_TRUE(service->restore("sfr9", "02:07:00:00:00:05", "10.77.0.40", 3));
    });
}

TEST(NetServiceRestore, ReservedKeysAreNotHandedOutAgain) {
    SF_IN_NETNS([] {
        auto service = NetService::create({.pool_target = 4}).value();
        service->reserve_keys(1000); // before the network: its warm ports hold keys
        ASSERT_TRUE(service->create_network({"sfr2", "10.77.0.0/24"}));
        for (int i = 0; i < 6; ++i) { // warm ports and cold ones
            auto lease = service->lease("sfr2", "");
            ASSERT_TRUE(lease) << lease.error().message;
            EXPECT_GT(lease->port_key, 1000u);
        }
        EXPECT_TRUE(service->restore("sfr2", kMac, "10.77.0.99", 1000));
        EXPECT_TRUE(service->restore("sfr2", "02:00:00:00:10:06", "10.77.0.98", 1));
    });
}

TEST(NetServiceRestore, TakesItsMacBackFromAWarmPort) {
    SF_IN_NETNS([] {
        auto service = service_with("sfr3", 1, 4); // warm ports: 02:00:00:00:00:01 to :04
        ASSERT_TRUE(service);
        auto lease = service->restore("sfr3", "02:00:00:00:00:02", "10.77.0.50", 1);
        ASSERT_TRUE(lease) << lease.error().message;
        for (int i = 0; i < 5; ++i) {
            auto other = service->lease("sfr3", "");
            ASSERT_TRUE(other) << other.error().message;
            EXPECT_NE(other->mac, lease->mac);
        }
    });
}

TEST(NetServiceRestore, ReleaseFreesAddressMacAndKey) {
    SF_IN_NETNS([] {
        auto service = service_with("sfr4", 5);
        ASSERT_TRUE(service);
        auto lease = *service->restore("sfr4", kMac, "10.77.0.9", 5);
        service->release(lease.port_key);
        EXPECT_EQ(in_use(*service, "sfr4"), 0u);
        auto again = service->restore("sfr4", kMac, "10.77.0.9", 5);
        ASSERT_TRUE(again) << again.error().message;
        service->release(again->port_key);
        auto by_lease = service->lease("sfr4", "10.77.0.9");
        ASSERT_TRUE(by_lease) << by_lease.error().message;
    });
}

namespace {

std::vector<uint8_t> frame_from(const sf::net::MacAddress& source) {
    std::vector<uint8_t> frame(60, 0);
    std::fill_n(frame.begin(), 6, 0xff);
    std::copy(source.bytes().begin(), source.bytes().end(), frame.begin() + 6);
    frame[12] = 0x88; // local experimental EtherType
    frame[13] = 0xb5;
    return frame;
}

// A service on `network` with one lease restored (kMac, 10.77.0.9, key `key`)
// and bound to worker `worker`, whose end of the frame channel the test holds.
struct BoundLease {
    std::unique_ptr<NetService> service;
    NicLease lease;
    sf::UniqueFd worker_end;
};

BoundLease bound_lease(const std::string& network, uint32_t key, int worker) {
    BoundLease bound;
    bound.service = service_with(network, key);
    if (!bound.service) return bound;
    auto lease = bound.service->restore(network, kMac, "10.77.0.9", key);
    int pair[2];
    if (!lease || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        ADD_FAILURE() << "no lease or channel";
        bound.service.reset();
        return bound;
    }
    bound.lease = *lease;
    bound.worker_end = sf::UniqueFd(pair[1]);
    bound.service->attach_worker(worker, sf::UniqueFd(pair[0]));
    bound.service->bind(key, worker);
    return bound;
}

} // namespace

TEST(NetServiceRestore, FramesFlowBothWaysOnARestoredPort) {
    SF_IN_NETNS([] {
        BoundLease bound = bound_lease("sfr5", 41, 3);
        ASSERT_TRUE(bound.service);

        auto stats = [&] { return bound.service->network_info("sfr5")->stats; };
        const uint64_t frames = stats()["frames"];
        // From the guest: its key and its MAC are accepted, another source is not.
        ASSERT_TRUE(sf::net::frames::send_frame(bound.worker_end.get(), 41, frame_from(bound.lease.mac)));
        EXPECT_TRUE(eventually([&] { return stats()["frames"] == frames + 1; }));
        EXPECT_EQ(stats()["dropped"]["spoofed"], 0);
        auto spoofed = *sf::net::MacAddress::parse("02:00:00:00:10:99");
        ASSERT_TRUE(sf::net::frames::send_frame(bound.worker_end.get(), 41, frame_from(spoofed)));
        EXPECT_TRUE(eventually([&] { return stats()["dropped"]["spoofed"] == 1; }));

        // To the guest: the host sends it a datagram (ARP answered by the
        // responder); it arrives on the channel tagged with the key.
        sf::UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9);
        to.sin_addr.s_addr = htonl(bound.lease.ip.value());
        ASSERT_EQ(::sendto(udp.get(), "hi", 2, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 2);
        for (;;) {
            std::optional<ChannelFrame> frame = next_frame(bound.worker_end.get());
            ASSERT_TRUE(frame) << "no frame for the restored port";
            EXPECT_EQ(frame->port, 41u);
            if (frame->bytes.size() < 14 || frame->bytes[12] != 0x08 || frame->bytes[13] != 0x00)
                continue; // not IPv4
            EXPECT_TRUE(std::equal(bound.lease.mac.bytes().begin(), bound.lease.mac.bytes().end(),
                                   frame->bytes.begin()));
            break;
        }
    });
}

namespace {

// A frame to `destination` from `source` (local experimental EtherType), `tag` in its payload.
std::vector<uint8_t> frame_to(const sf::net::MacAddress& destination, const sf::net::MacAddress& source,
                              uint8_t tag) {
    std::vector<uint8_t> frame = frame_from(source);
    std::copy(destination.bytes().begin(), destination.bytes().end(), frame.begin());
    frame[14] = tag;
    return frame;
}

} // namespace

// A migration's source: the worker returns (kReturned) what reached its paused
// guest; release() keeps those addressed to the guest, in order, for take_returned().
TEST(NetServiceReturned, KeepsTheGuestsReturnedFramesPastReleaseUntilTaken) {
    SF_IN_NETNS([] {
        BoundLease bound = bound_lease("sfr6", 51, 3);
        ASSERT_TRUE(bound.service);
        const auto client = *sf::net::MacAddress::parse("02:00:00:00:10:77");
        const auto other = *sf::net::MacAddress::parse("02:00:00:00:10:78");
        using sf::net::frames::kReturned;
        for (uint8_t tag = 1; tag <= 3; ++tag)
            ASSERT_TRUE(sf::net::frames::send_frame(bound.worker_end.get(), 51,
                                                    frame_to(bound.lease.mac, client, tag), kReturned));
        // Not for its guest: a worker cannot have sfd carry anything else.
        ASSERT_TRUE(
            sf::net::frames::send_frame(bound.worker_end.get(), 51, frame_to(other, client, 9), kReturned));
        // Released at once: the frames may still be queued on the channel, unread by the data plane.
        bound.service->release(bound.lease.port_key);
        const sf::host::HeldFrames kept = bound.service->take_returned(bound.lease.port_key);
        ASSERT_EQ(kept.size(), 3u);
        for (uint8_t tag = 1; tag <= 3; ++tag) {
            EXPECT_EQ(kept[tag - 1u], frame_to(bound.lease.mac, client, tag));
        }
        EXPECT_TRUE(bound.service->take_returned(bound.lease.port_key).empty()); // once
        EXPECT_EQ(bound.service->network_info("sfr6")->stats["returned_after_move"], 3);
    });
}

// A migration's destination: inject() puts frames for the lease on its port
// (to its worker's channel, tagged with the key), and nothing else.
TEST(NetServiceReturned, InjectsOnlyFramesAddressedToTheLease) {
    SF_IN_NETNS([] {
        BoundLease bound = bound_lease("sfr7", 61, 4);
        ASSERT_TRUE(bound.service);
        const auto client = *sf::net::MacAddress::parse("02:00:00:00:10:77");
        const auto other = *sf::net::MacAddress::parse("02:00:00:00:10:78");
        bound.service->inject(bound.lease.port_key, frame_to(other, client, 1)); // refused
        bound.service->inject(bound.lease.port_key + 1,
                              frame_to(bound.lease.mac, client, 2)); // no such lease
        bound.service->inject(bound.lease.port_key, frame_to(bound.lease.mac, client, 3));
        auto ours = [](const ChannelFrame& frame) {
            return frame.bytes.size() >= 15 && frame.bytes[12] == 0x88;
        };
        for (;;) {
            std::optional<ChannelFrame> frame = next_frame(bound.worker_end.get());
            ASSERT_TRUE(frame) << "the injected frame did not arrive";
            if (!ours(*frame)) continue; // the host's own traffic
            EXPECT_EQ(frame->port, 61u);
            EXPECT_EQ(frame->flags, 0);
            EXPECT_EQ(frame->bytes, frame_to(bound.lease.mac, client, 3));
            break;
        }
        while (std::optional<ChannelFrame> frame = next_frame(
                   bound.worker_end.get(), std::chrono::milliseconds(100))) // nothing else of ours follows
            EXPECT_FALSE(ours(*frame)) << "a refused frame was delivered";
    });
}

TEST(FrameChannel, RefusesUnknownFlags) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    sf::UniqueFd a(pair[0]), b(pair[1]);
    const auto mac = *sf::net::MacAddress::parse(kMac);
    ASSERT_TRUE(sf::net::frames::send_frame(a.get(), 7, frame_from(mac), sf::net::frames::kReturned));
    ASSERT_TRUE(sf::net::frames::send_frame(a.get(), 7, frame_from(mac), 2));
    std::array<uint8_t, sf::net::frames::kMaxPacket> packet;
    ssize_t len = ::recv(b.get(), packet.data(), packet.size(), 0);
    auto returned = sf::net::frames::parse({packet.data(), static_cast<size_t>(len)});
    ASSERT_TRUE(returned) << returned.error().message;
    EXPECT_EQ(returned->flags, sf::net::frames::kReturned);
    len = ::recv(b.get(), packet.data(), packet.size(), 0);
    auto unknown = sf::net::frames::parse({packet.data(), static_cast<size_t>(len)});
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown flags 0x2"), std::string::npos)
        << unknown.error().message;
}
