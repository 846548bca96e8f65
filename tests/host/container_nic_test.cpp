// Tests of container NICs (NetService::lease_container and friends): real
// named network namespaces with eth0 in them, real uplink TAPs, Linux's own
// ping and ip run inside with `ip netns exec`. Each test runs on a thread in
// a private network namespace (the uplinks live there); the containers'
// namespaces are named after it, so parallel runs never meet. Needs root.
#include "container_shell.h"
#include "host/net_service.h"
#include "net/named_netns.h"
#include "netns_test_support.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

using sf::ErrorKind;
using sf::host::NetService;
using sf::host::NicLease;
using sf::test::eventually;
using sf::test::in_netns;
using sf::test::name_of;
using sf::test::shell;
namespace netns = sf::net::netns;

namespace {

// sf-<home>-<network>-: the names of a network's container namespaces.
std::string prefix_of(const NicLease& lease) {
    const std::string name = name_of(lease);
    return name.substr(0, name.rfind('-') + 1);
}

int pings_received(const NicLease& from, const std::string& ip, int count = 2) {
    const std::string out = in_netns(from, "ping -n -q -c " + std::to_string(count) + " -i 0.1 -W 1 " + ip);
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(R"((\d+) received)"))) return -1;
    return std::stoi(m[1]);
}

std::unique_ptr<NetService> service_with(size_t container_pool) {
    auto service =
        NetService::create({.pool_target = 2, .container_pool = container_pool, .switch_config = {}});
    EXPECT_TRUE(service) << service.error().message;
    return service ? std::move(*service) : nullptr;
}

uint64_t dropped(const NetService& service, const std::string& network, const std::string& reason) {
    return service.network_info(network)->stats["dropped"].value(reason, uint64_t{0});
}

nlohmann::json container_pool(const NetService& service, const std::string& network) {
    return service.network_info(network)->stats["container_pool"];
}

// Frames arriving at eth0 of a container's namespace (a packet socket made there).
class Capture {
  public:
    explicit Capture(const NicLease& lease) {
        auto opened = netns::in(name_of(lease), [&]() -> sf::Result<void> {
            fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL)));
            sockaddr_ll at{};
            at.sll_family = AF_PACKET;
            at.sll_protocol = htons(ETH_P_ALL);
            at.sll_ifindex = static_cast<int>(::if_nametoindex("eth0"));
            if (!fd_.valid() || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0)
                return sf::error("packet socket: {}", std::strerror(errno));
            return sf::ok();
        });
        EXPECT_TRUE(opened) << opened.error().message;
    }
    // Incoming frames (not the namespace's own) whose source MAC is `mac` or
    // whose ARP sender / IPv4 source is `ip` (dotted), read until nothing came for 300 ms.
    int count_from(const std::string& mac, const std::string& ip) {
        int n = 0;
        std::array<uint8_t, 2048> frame;
        pollfd p{fd_.get(), POLLIN, 0};
        while (::poll(&p, 1, 300) > 0) {
            sockaddr_ll from{};
            socklen_t len = sizeof from;
            const ssize_t got = ::recvfrom(fd_.get(), frame.data(), frame.size(), 0,
                                           reinterpret_cast<sockaddr*>(&from), &len);
            if (got < 34 || from.sll_pkttype == PACKET_OUTGOING) continue;
            char source[18];
            std::snprintf(source, sizeof source, "%02x:%02x:%02x:%02x:%02x:%02x", frame[6], frame[7],
                          frame[8], frame[9], frame[10], frame[11]);
            const uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
            const size_t at = type == 0x0806 ? 28 : 26; // ARP sender / IPv4 source
            char address[16];
            std::snprintf(address, sizeof address, "%u.%u.%u.%u", frame[at], frame[at + 1], frame[at + 2],
                          frame[at + 3]);
            if (mac == source || ((type == 0x0806 || type == 0x0800) && ip == address)) ++n;
        }
        return n;
    }

  private:
    sf::UniqueFd fd_;
};

size_t open_fds() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
        ++n;
    return n;
}

size_t mounts_with(const std::string& text) {
    std::ifstream in("/proc/self/mountinfo");
    size_t n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.find(text) != std::string::npos;
    return n;
}

size_t interfaces() {
    size_t n = 0;
    if (struct if_nameindex* all = ::if_nameindex()) {
        for (struct if_nameindex* i = all; i->if_index != 0; ++i)
            ++n;
        ::if_freenameindex(all);
    }
    return n;
}

} // namespace

TEST(ContainerNic, ItsNamespaceHasEth0ConfiguredAndPingsTheGateway) {
    SF_IN_NETNS([] {
        auto service = service_with(2);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cnping", "10.81.0.0/24"}));
        auto lease = service->lease_container("cnping", "10.81.0.7");
        ASSERT_TRUE(lease) << lease.error().message;
        EXPECT_TRUE(lease->netns.starts_with("/run/netns/sf-")) << lease->netns;
        EXPECT_TRUE(std::filesystem::exists(lease->netns));
        EXPECT_EQ(lease->ip.to_string(), "10.81.0.7");
        const std::string link = in_netns(*lease, "ip -o link show eth0");
        EXPECT_NE(link.find(lease->mac.to_string()), std::string::npos) << link;
        EXPECT_NE(link.find("UP"), std::string::npos) << link;
        EXPECT_NE(in_netns(*lease, "ip -o -4 addr show eth0").find("inet 10.81.0.7/24"), std::string::npos);
        EXPECT_EQ(in_netns(*lease, "ip -o -6 addr"), "");
        EXPECT_NE(in_netns(*lease, "ip route").find("default via 10.81.0.1 dev eth0"), std::string::npos);
        // Linux's own ARP and ICMP from the namespace, answered through sfd's switch and uplink.
        EXPECT_EQ(pings_received(*lease, "10.81.0.1"), 2);
        EXPECT_EQ(service->lease_container("cnping", "10.82.0.7").error().kind, ErrorKind::InvalidArgument);
        EXPECT_EQ(service->lease_container("cnping", "10.81.0.7").error().kind, ErrorKind::Conflict);
        EXPECT_EQ(service->lease_container("nope", "").error().kind, ErrorKind::NotFound);
        service->release(lease->port_key);
        EXPECT_FALSE(std::filesystem::exists(lease->netns));
        EXPECT_EQ(service->network_info("cnping")->guests, 0u);
    });
}

TEST(ContainerNic, ContainersOfOneNetworkTalkAndOtherNetworksAreIsolated) {
    SF_IN_NETNS([] {
        auto service = service_with(1);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cniso-a", "10.83.0.0/24"}));
        ASSERT_TRUE(service->create_network({"cniso-b", "10.84.0.0/24"}));
        auto a1 = service->lease_container("cniso-a", "").value();
        auto a2 = service->lease_container("cniso-a", "").value();
        auto b1 = service->lease_container("cniso-b", "").value();
        EXPECT_EQ(pings_received(a1, a2.ip.to_string()), 2);
        Capture on_a2(a2);
        // b1 asks, in its own network, for a2's address (ARP) and pings it: nothing reaches a2.
        EXPECT_EQ(pings_received(b1, a2.ip.to_string()), 0);
        in_netns(b1,
                 "ip addr add " + a2.ip.to_string() + "/32 dev eth0"); // even claiming a neighbour's address
        in_netns(b1, "ping -n -q -c 2 -i 0.1 -W 1 -I eth0 " + a1.ip.to_string());
        EXPECT_EQ(on_a2.count_from(b1.mac.to_string(), b1.ip.to_string()), 0);
        const uint64_t a_frames = service->network_info("cniso-a")->stats["frames"].get<uint64_t>();
        EXPECT_EQ(pings_received(b1, "10.84.0.1"), 2); // b1's own network still answers
        EXPECT_EQ(service->network_info("cniso-a")->stats["frames"].get<uint64_t>(), a_frames);
        for (const NicLease* lease : {&a1, &a2, &b1})
            service->release(lease->port_key);
    });
}

// The container's root changes eth0's MAC, then its address: the switch
// drops and counts what the port may not send, and the victim sees none of it.
TEST(ContainerNic, SpoofedMacOrAddressInsideTheNamespaceIsDroppedAndCounted) {
    SF_IN_NETNS([] {
        auto service = service_with(1);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cnspoof", "10.85.0.0/24"}));
        auto attacker = service->lease_container("cnspoof", "10.85.0.10").value();
        auto victim = service->lease_container("cnspoof", "10.85.0.20").value();
        EXPECT_EQ(pings_received(attacker, "10.85.0.20"), 2); // its own identity works
        Capture on_victim(victim);
        const std::string forged_mac = "02:66:66:66:66:66";
        in_netns(attacker, "ip neigh flush dev eth0");
        in_netns(attacker, "ip link set eth0 address " + forged_mac);
        EXPECT_EQ(pings_received(attacker, "10.85.0.20"), 0);
        EXPECT_GT(dropped(*service, "cnspoof", "spoofed"), 0u);
        EXPECT_EQ(on_victim.count_from(forged_mac, "0.0.0.0"), 0);

        in_netns(attacker, "ip link set eth0 address " + attacker.mac.to_string());
        in_netns(attacker, "ip neigh flush dev eth0");
        in_netns(attacker, "ip addr flush dev eth0");
        in_netns(attacker, "ip addr add 10.85.0.99/24 dev eth0");
        EXPECT_EQ(pings_received(attacker, "10.85.0.20"), 0);
        EXPECT_GT(dropped(*service, "cnspoof", "forged_arp"), 0u);
        in_netns(attacker, "ip neigh replace 10.85.0.20 lladdr " + victim.mac.to_string() + " dev eth0");
        EXPECT_EQ(pings_received(attacker, "10.85.0.20"), 0); // IPv4 from the forged address, no ARP needed
        EXPECT_GT(dropped(*service, "cnspoof", "forged_ip"), 0u);
        EXPECT_EQ(on_victim.count_from(forged_mac, "10.85.0.99"), 0);

        in_netns(attacker, "ip addr flush dev eth0");
        in_netns(attacker, "ip addr add 10.85.0.10/24 dev eth0"); // back to what it may send
        EXPECT_EQ(pings_received(attacker, "10.85.0.20"), 2);
        EXPECT_GT(on_victim.count_from(attacker.mac.to_string(), "10.85.0.10"), 0);
        service->release(attacker.port_key);
        service->release(victim.port_key);
    });
}

TEST(ContainerNic, ThePoolRefillsAndIsEmptiedWithItsNetworkAndTheService) {
    SF_IN_NETNS([] {
        auto service = service_with(3);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cnpool", "10.86.0.0/24"}));
        EXPECT_EQ(container_pool(*service, "cnpool")["target"], 0u); // no namespace before a container
        auto first = service->lease_container("cnpool", "").value();
        const std::string prefix = prefix_of(first);
        EXPECT_EQ(container_pool(*service, "cnpool")["taken_cold"], 1u);
        ASSERT_TRUE(eventually([&] { return container_pool(*service, "cnpool")["ready"] == 3u; }));
        EXPECT_EQ(netns::names(prefix).size(), 4u);
        auto second = service->lease_container("cnpool", "").value();
        EXPECT_EQ(container_pool(*service, "cnpool")["taken_warm"], 1u);
        EXPECT_EQ(pings_received(second, "10.86.0.1"), 2); // a warm one works as a cold one
        ASSERT_TRUE(eventually([&] { return container_pool(*service, "cnpool")["ready"] == 3u; }));
        EXPECT_EQ(netns::names(prefix).size(), 5u);
        service->release(first.port_key);
        service->release(second.port_key);
        EXPECT_EQ(netns::names(prefix).size(), 3u); // never reused: the used ones are gone
        EXPECT_FALSE(std::filesystem::exists(second.netns));
        ASSERT_TRUE(service->remove_network("cnpool"));
        EXPECT_EQ(netns::names(prefix).size(), 0u);

        ASSERT_TRUE(service->create_network({"cnpool2", "10.87.0.0/24"}));
        auto third = service->lease_container("cnpool2", "").value();
        const std::string prefix2 = prefix_of(third);
        service->release(third.port_key);
        ASSERT_TRUE(eventually([&] { return container_pool(*service, "cnpool2")["ready"] == 3u; }));
        service.reset();
        EXPECT_EQ(netns::names(prefix2).size(), 0u);
    });
}

TEST(ContainerNic, TwoHundredLeasesAndReleasesLeakNothing) {
    SF_IN_NETNS([] {
        auto service = service_with(2);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cnleak", "10.88.0.0/24"}));
        auto warmup = service->lease_container("cnleak", "").value();
        const std::string prefix = prefix_of(warmup);
        service->release(warmup.port_key);
        auto settled = [&] { return container_pool(*service, "cnleak")["ready"] == 2u; };
        ASSERT_TRUE(eventually(settled));
        const size_t fds = open_fds(), names = netns::names(prefix).size(), mounts = mounts_with(prefix),
                     links = interfaces();
        EXPECT_EQ(names, 2u);
        for (int i = 0; i < 200; ++i) {
            auto lease = service->lease_container("cnleak", "");
            ASSERT_TRUE(lease) << i << ": " << lease.error().message;
            service->release(lease->port_key);
        }
        ASSERT_TRUE(eventually(settled));
        EXPECT_EQ(open_fds(), fds);
        EXPECT_EQ(netns::names(prefix).size(), names);
        EXPECT_EQ(mounts_with(prefix), mounts);
        EXPECT_EQ(interfaces(), links);
        EXPECT_EQ(service->network_info("cnleak")->guests, 0u);
        const auto pool = container_pool(*service, "cnleak");
        EXPECT_EQ(pool["taken_warm"].get<uint64_t>() + pool["taken_cold"].get<uint64_t>(), 201u);
    });
}

// sfd stops (or dies) while its container runs on: the namespace and its
// persistent eth0 stay; a restarted sfd re-attaches and frames flow again;
// what the old sfd left that no container holds is deleted.
TEST(ContainerNic, RestoreAfterARestartKeepsFramesFlowing) {
    SF_IN_NETNS([] {
        auto first = service_with(2);
        ASSERT_TRUE(first);
        ASSERT_TRUE(first->create_network({"cnrest", "10.89.0.0/24"}));
        const NicLease kept = first->lease_container("cnrest", "10.89.0.5").value();
        const NicLease dead =
            first->lease_container("cnrest", "10.89.0.6").value(); // its container will not survive
        const std::string prefix = prefix_of(kept);
        EXPECT_EQ(pings_received(kept, "10.89.0.1"), 2);
        first.reset();
        EXPECT_TRUE(std::filesystem::exists(kept.netns));
        EXPECT_NE(in_netns(kept, "ip -o -4 addr show eth0").find("10.89.0.5/24"), std::string::npos);
        EXPECT_EQ(pings_received(kept, "10.89.0.1", 1), 0); // nobody at the other end
        // A crashed sfd's leftover (a warm one, say) with a key no survivor has.
        ASSERT_TRUE(netns::create(prefix + "4000000", [] { return sf::ok(); }));

        auto second = service_with(2);
        ASSERT_TRUE(second);
        second->reserve_keys(std::max(kept.port_key, dead.port_key));
        ASSERT_TRUE(second->create_network({"cnrest", "10.89.0.0/24"}));
        EXPECT_FALSE(std::filesystem::exists(netns::path(prefix + "4000000")));
        auto restored = second->restore_container("cnrest", kept.mac.to_string(), "10.89.0.5", kept.port_key);
        ASSERT_TRUE(restored) << restored.error().message;
        EXPECT_EQ(restored->netns, kept.netns);
        EXPECT_EQ(restored->port_key, kept.port_key);
        EXPECT_EQ(pings_received(kept, "10.89.0.1"), 2);
        // Restoring it twice, or one whose namespace is gone, fails and leaves it.
        EXPECT_EQ(second->restore_container("cnrest", kept.mac.to_string(), "10.89.0.5", kept.port_key)
                      .error()
                      .kind,
                  ErrorKind::Conflict);
        EXPECT_EQ(
            second->restore_container("cnrest", "02:00:00:00:77:01", "10.89.0.50", 3999999).error().kind,
            ErrorKind::NotFound);
        EXPECT_EQ(pings_received(kept, "10.89.0.1", 1), 1);
        EXPECT_TRUE(std::filesystem::exists(dead.netns));
        second->remove_unrestored();
        EXPECT_FALSE(std::filesystem::exists(dead.netns));
        EXPECT_TRUE(std::filesystem::exists(kept.netns));
        second->release(restored->port_key);
        EXPECT_FALSE(std::filesystem::exists(kept.netns));
    });
}

namespace {

// This process's CPU time (user + system) in ms.
double cpu_ms() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

} // namespace

// A container's root deleting eth0 leaves sfd's descriptor dead (it reads an
// error, not EAGAIN): the data plane stops watching it rather than spin, and
// the other NICs go on.
TEST(ContainerNic, AnEth0DeletedInsideStopsOnlyItsOwnNic) {
    SF_IN_NETNS([] {
        auto service = service_with(1);
        ASSERT_TRUE(service);
        ASSERT_TRUE(service->create_network({"cndel", "10.94.0.0/24"}));
        auto gone = service->lease_container("cndel", "").value();
        auto other = service->lease_container("cndel", "").value();
        int status = -1;
        in_netns(gone, "ip link del eth0", &status);
        ASSERT_EQ(status, 0);
        const double before = cpu_ms();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        EXPECT_LT(cpu_ms() - before, 250.0); // a spinning data plane would use ~500
        EXPECT_EQ(pings_received(other, "10.94.0.1"), 2);
        service->release(gone.port_key);
        service->release(other.port_key);
        EXPECT_FALSE(std::filesystem::exists(gone.netns));
        EXPECT_EQ(service->network_info("cndel")->guests, 0u);
    });
}
