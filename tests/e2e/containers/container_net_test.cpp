// superfluid container tests: one network, both kinds. A real sfd (with
// --prepare-cgroups for crun) runs containers on build/rootfs (busybox and
// the static Linux builds of udpecho and httpd) and VM guests on the
// backend under test, on the same networks: a container's wget gets a VM
// httpd's page and the host's curl a container httpd's; a VM's udpclient
// gets a container udpecho's echoes; Linux's ping reaches both kinds;
// networks stay apart for containers (wget and crafted frames), and a
// container whose MAC or address is changed in its namespace gets its
// frames dropped; sfd SIGKILLed and restarted adopts a networked
// container, which still answers. Runs in the
// host's network namespace (scripts/testns's `ip netns exec` remounts /sys,
// taking crun's cgroups away), so each backend has its own network names
// and subnets (10.91.x for kvm, 10.92.x for process).
#include "sfd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace sf::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

int ping_received(const std::string& ip, int count) {
    const std::string out = shell("ping -n -q -c " + std::to_string(count) + " -i 0.05 -W 1 " + ip);
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(R"((\d+) received)"))) return -1;
    return std::stoi(m[1]);
}

// Polls `done` every 50 ms until it holds or `timeout` passes; whether it held.
template <typename F> bool eventually(F done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::vector<uint8_t> parse_mac(const std::string& text) {
    std::vector<uint8_t> mac;
    for (size_t i = 0; i < text.size() && mac.size() < 6; i += 3)
        mac.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    return mac;
}

// An Ethernet frame with a UDP datagram (to port 9) from src to dst, its IPv4 header checksum right.
std::vector<uint8_t> udp_frame(const std::string& dst_mac, const std::string& src_mac,
                               const std::string& src_ip, const std::string& dst_ip) {
    std::vector<uint8_t> f = parse_mac(dst_mac);
    const std::vector<uint8_t> src = parse_mac(src_mac);
    f.insert(f.end(), src.begin(), src.end());
    f.insert(f.end(), {0x08, 0x00});
    uint8_t ip[28] = {0x45, 0, 0, 29, 0, 0, 0x40, 0, 64, 17, 0, 0};
    ::inet_pton(AF_INET, src_ip.c_str(), ip + 12);
    ::inet_pton(AF_INET, dst_ip.c_str(), ip + 16);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += static_cast<uint32_t>(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = static_cast<uint8_t>(~sum >> 8), ip[11] = static_cast<uint8_t>(~sum);
    const uint8_t udp[8] = {0x30, 0x39, 0, 9, 0, 9, 0, 0}; // from 12345 to 9, no checksum
    f.insert(f.end(), ip, ip + 20);
    f.insert(f.end(), udp, udp + 8);
    f.push_back('x');
    return f;
}

// Sends `frames` out of eth0 of named network namespace `ns` with a packet socket made in it (on a thread
// of its own, which alone enters the namespace); how many were sent.
size_t send_in_netns(const std::string& ns, const std::vector<std::vector<uint8_t>>& frames) {
    size_t sent = 0;
    std::thread([&] {
        const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) return;
        ::close(nsfd);
        const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_ifindex = static_cast<int>(::if_nametoindex("eth0"));
        to.sll_halen = 6;
        for (const auto& frame : frames)
            sent += ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                             sizeof to) == static_cast<ssize_t>(frame.size());
        ::close(fd);
    }).join();
    return sent;
}

// Sends `count` UDP datagrams to dst_ip port 9 from a socket made in named network namespace `ns` (on a
// thread of its own), bound to `source` unless it is ""; how many were sent.
size_t send_udp_in_netns(const std::string& ns, const std::string& source, const std::string& dst_ip,
                         size_t count) {
    size_t sent = 0;
    std::thread([&] {
        const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) return;
        ::close(nsfd);
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in from{}, to{};
        from.sin_family = to.sin_family = AF_INET;
        to.sin_port = htons(9);
        ::inet_pton(AF_INET, dst_ip.c_str(), &to.sin_addr);
        if (!source.empty() && (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
                                ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)) {
            ::close(fd);
            return;
        }
        for (size_t i = 0; i < count; ++i)
            sent += ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 1;
        ::close(fd);
    }).join();
    return sent;
}

class ContainerNet : public ::testing::Test {
  protected:
    void SetUp() override { SF_SFD_REQUIRE_KVM(); }

    // Network `n` of this backend: a name and subnet no other backend's run uses.
    static std::string backend_tag() {
        const char* backend = std::getenv("SF_BACKEND");
        const std::string b = backend ? backend : "auto";
        return b == "kvm" ? "k" : b == "process" ? "p" : "a";
    }
    static std::string net_name(int n) { return "sfce" + backend_tag() + std::to_string(n); }
    static std::string subnet_prefix(int n) {
        const std::string tag = backend_tag();
        return (tag == "k" ? "10.91." : tag == "p" ? "10.92." : "10.93.") + std::to_string(n) + ".";
    }
    static std::vector<std::string> sfd_args(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--prepare-cgroups", "--workers", "1", "--container-pool", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    void create_network(Sfd& sfd, int n) {
        HttpResult r = sfd.post("/v1/networks",
                                json{{"name", net_name(n)}, {"subnet", subnet_prefix(n) + "0/24"}}.dump());
        ASSERT_EQ(r.status, 201) << r.body;
    }
    // A container on network `n` running `args`; its create response (status checked).
    json container(Sfd& sfd, int n, const std::vector<std::string>& args, json extra = json::object()) {
        json body = {{"kind", "container"}, {"rootfs", SF_ROOTFS_DIR}, {"args", args}, {"net", net_name(n)}};
        body.update(extra);
        HttpResult r = sfd.create(body);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    json vm(Sfd& sfd, int n, const std::string& image, json extra = json::object()) {
        json body = {{"image", guest_image(image)}, {"net", net_name(n)}, {"wait", "output"}};
        body.update(extra);
        if (!body.value("start", true)) body.erase("wait");
        HttpResult r = sfd.create(body);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json();
    }
    static std::string ip_of(const json& guest) {
        return guest.is_object() && guest.contains("nic") ? guest["nic"].value("ip", "") : "";
    }
    static std::string ref(const json& guest) { return std::to_string(guest.value("id", uint64_t{0})); }
    std::string logs(Sfd& sfd, const json& guest) {
        return sfd.get("/v1/guests/" + ref(guest) + "/logs").body;
    }
    // The named network namespace (under /run/netns) a container's init runs in.
    std::string netns_of(Sfd& sfd, const json& guest) {
        const std::string state = sfd.get("/v1/host").json()["containers"].value("state_dir", "");
        pid_t pid = -1;
        std::ifstream(state + "/bundles/" + ref(guest) + "/init.pid") >> pid;
        return pid > 0 ? trim(shell("ip netns identify " + std::to_string(pid))) : "";
    }
    // Every drop the switch of network `n` counted, whatever the reason.
    uint64_t switch_drops(Sfd& sfd, int n) {
        const json info = sfd.get("/v1/networks/" + net_name(n)).json();
        uint64_t sum = 0;
        if (info.is_object())
            for (const auto& [reason, count] : info["stats"]["dropped"].items())
                sum += count.get<uint64_t>();
        return sum;
    }
    // UDP datagrams the kernel of namespace `ns` took in (delivered or to no port).
    static uint64_t udp_in(const std::string& ns) {
        const std::string snmp = shell("ip netns exec " + ns + " cat /proc/net/snmp");
        std::smatch m;
        if (!std::regex_search(snmp, m, std::regex(R"(Udp: (\d+) (\d+) (\d+))"))) return ~uint64_t{0};
        return std::stoull(m[1]) + std::stoull(m[2]) + std::stoull(m[3]);
    }
    static bool netns_exists(const std::string& name) { return fs::exists("/run/netns/" + name); }
    // The namespaces of network `n` in /run/netns (leased and warm).
    static size_t namespaces_of(int n) {
        size_t count = 0;
        for (const auto& entry : fs::directory_iterator("/run/netns"))
            count += entry.path().filename().string().find("-" + net_name(n) + "-") != std::string::npos;
        return count;
    }
};

// A container's busybox wget gets the page a VM's httpd serves (its own,
// from the store, so it is the VM's and no other), and the host's curl gets
// a container httpd's built-in page.
TEST_F(ContainerNet, AContainerWgetsAVmsPageAndCurlGetsAContainersPage) {
    Sfd sfd(sfd_args());
    create_network(sfd, 1);
    const json web = vm(sfd, 1, "httpd", {{"start", false}, {"name", "vmweb"}});
    const std::string page = "<p>the VM's page, for a container</p>";
    EXPECT_EQ(shell("XENSTORED_PATH=" + sfd.store_socket() + " xenstore-write /local/domain/" + ref(web) +
                    "/data/page \"" + page + "\""),
              "");
    ASSERT_EQ(sfd.post("/v1/guests/vmweb/start").status, 200);
    ASSERT_TRUE(eventually([&] { return logs(sfd, web).find("listening") != std::string::npos; }))
        << logs(sfd, web);
    const json wget = container(sfd, 1, {"/usr/bin/wget", "-q", "-O", "-", "http://" + ip_of(web) + "/"});
    ASSERT_TRUE(sfd.wait_state(ref(wget), "exited", 15s)) << sfd.get("/v1/guests/" + ref(wget)).body;
    EXPECT_EQ(sfd.get("/v1/guests/" + ref(wget)).json()["exit_status"], 0);
    EXPECT_EQ(logs(sfd, wget), page);

    const json httpd = container(sfd, 1, {"/bin/httpd"}, {{"wait", "output"}});
    const std::string ip = ip_of(httpd);
    ASSERT_TRUE(ip.starts_with(subnet_prefix(1))) << httpd.dump();
    const std::string served = shell("curl -s -m 5 http://" + ip + "/");
    EXPECT_NE(served.find("<title>superfluid</title>"), std::string::npos) << served;
    EXPECT_EQ(served.find(page), std::string::npos);
    // A graceful stop ends the containers and deletes their namespaces (it used to leave them).
    EXPECT_GE(namespaces_of(1), 2u);
    EXPECT_EQ(sfd.stop(), 0);
    EXPECT_EQ(namespaces_of(1), 0u) << "namespaces of " << net_name(1) << " left in /run/netns";
}

TEST_F(ContainerNet, AVmsUdpclientGetsEchoesFromAContainersUdpecho) {
    Sfd sfd(sfd_args());
    create_network(sfd, 2);
    const json echo = container(sfd, 2, {"/bin/udpecho"}, {{"wait", "output"}});
    ASSERT_FALSE(ip_of(echo).empty()) << echo.dump();
    const json client = vm(sfd, 2, "udpclient", {{"cmdline", ip_of(echo) + " 7 20"}, {"name", "client"}});
    ASSERT_TRUE(sfd.wait_state("client", "exited", 15s)) << logs(sfd, client);
    EXPECT_NE(logs(sfd, client).find("udpclient: 20/20 replies"), std::string::npos) << logs(sfd, client);
    EXPECT_EQ(sfd.get("/v1/guests/client").json()["exit_status"], 0);
}

TEST_F(ContainerNet, LinuxPingReachesAContainerAndAVm) {
    Sfd sfd(sfd_args());
    create_network(sfd, 3);
    const json c = container(sfd, 3, {"/bin/udpecho"}, {{"wait", "output"}});
    const json v = vm(sfd, 3, "udpecho");
    ASSERT_FALSE(ip_of(c).empty());
    ASSERT_FALSE(ip_of(v).empty());
    EXPECT_EQ(ping_received(ip_of(c), 10), 10);
    EXPECT_EQ(ping_received(ip_of(v), 10), 10);
    EXPECT_EQ(ping_received(subnet_prefix(3) + "99", 2), 0) << "no guest has that address";
}

// A container on network B reaches neither a VM nor a container on A (the
// host does not forward between its uplinks: its ip_forward is checked),
// while one on A reaches both.
TEST_F(ContainerNet, AContainerOnAnotherNetworkReachesNothingOnThisOne) {
    std::ifstream forward("/proc/sys/net/ipv4/ip_forward");
    int forwarding = 1;
    forward >> forwarding;
    if (forwarding != 0) GTEST_SKIP() << "SKIPPED: the host routes between its uplinks (ip_forward=1)";
    Sfd sfd(sfd_args());
    create_network(sfd, 4);
    create_network(sfd, 5);
    const json vm_web = vm(sfd, 4, "httpd");
    const json ctr_web = container(sfd, 4, {"/bin/httpd"}, {{"wait", "output"}});
    for (const json& target : {vm_web, ctr_web}) {
        // busybox's timeout, not wget -T (Debian's busybox-static 1.35 wget crashes, SIGSEGV, with -T),
        // under sh: the container's init (pid 1) would ignore timeout's SIGTERM.
        const std::vector<std::string> wget = {
            "/bin/sh", "-c", "timeout 3 wget -q -O - http://" + ip_of(target) + "/; exit $?"};
        const json across = container(sfd, 5, wget);
        const json within = container(sfd, 4, wget);
        ASSERT_TRUE(sfd.wait_state(ref(within), "exited", 15s)) << sfd.get("/v1/guests/" + ref(within)).body;
        EXPECT_EQ(sfd.get("/v1/guests/" + ref(within)).json()["exit_status"], 0) << logs(sfd, within);
        EXPECT_NE(logs(sfd, within).find("<title>superfluid</title>"), std::string::npos);
        ASSERT_TRUE(sfd.wait_state(ref(across), "exited", 15s)) << sfd.get("/v1/guests/" + ref(across)).body;
        EXPECT_NE(sfd.get("/v1/guests/" + ref(across)).json()["exit_status"], 0) << logs(sfd, across);
        EXPECT_EQ(logs(sfd, across).find("superfluid"), std::string::npos) << logs(sfd, across);
    }
}

// The container's eth0 given another MAC, then another address, from the
// host (its root has no CAP_NET_ADMIN over the namespace): what it sends is
// dropped and counted by the switch, and the victim's kernel takes in no
// datagram; from its own MAC and address the same datagrams arrive.
TEST_F(ContainerNet, AContainerWithAChangedMacOrAddressGetsItsFramesDropped) {
    Sfd sfd(sfd_args());
    create_network(sfd, 6);
    const json victim = container(sfd, 6, {"/bin/udpecho"}, {{"wait", "output"}});
    const json rogue = container(sfd, 6, {"/bin/sleep", "1000"});
    const std::string victim_ns = netns_of(sfd, victim), rogue_ns = netns_of(sfd, rogue);
    ASSERT_FALSE(victim_ns.empty());
    ASSERT_FALSE(rogue_ns.empty());
    const std::string in_rogue = "ip netns exec " + rogue_ns + " ";
    const std::string victim_ip = ip_of(victim), own_mac = rogue["nic"].value("mac", "");
    // The victim's MAC known without ARP (a changed MAC's or address's ARP requests are dropped first),
    // set after each change of eth0 (a new MAC flushes the neighbours).
    auto pin_victim = [&] {
        EXPECT_EQ(shell("ip -n " + rogue_ns + " neigh replace " + victim_ip + " lladdr " +
                        victim["nic"].value("mac", "") + " dev eth0 nud permanent"),
                  "");
    };
    // 20 datagrams from the rogue's kernel (from `source`; "": its own address); the frames eth0 sent.
    constexpr size_t kDatagrams = 20;
    auto sent_frames = [&] {
        return std::stoull("0" + trim(shell(in_rogue + "cat /sys/class/net/eth0/statistics/tx_packets")));
    };
    auto send = [&](const std::string& source) {
        const uint64_t before = sent_frames();
        EXPECT_EQ(send_udp_in_netns(rogue_ns, source, victim_ip, kDatagrams), kDatagrams) << source;
        return sent_frames() - before;
    };
    auto check_dropped = [&](const std::string& what) {
        const uint64_t drops = switch_drops(sfd, 6), received = udp_in(victim_ns);
        const uint64_t sent = send(what == "address" ? subnet_prefix(6) + "200" : "");
        EXPECT_GE(sent, kDatagrams) << what;
        EXPECT_TRUE(eventually([&] { return switch_drops(sfd, 6) >= drops + sent; }, 5s))
            << what << ": " << sent << " sent, " << sfd.get("/v1/networks/" + net_name(6)).body;
        EXPECT_EQ(udp_in(victim_ns), received) << what << ": the victim took in a datagram";
    };

    EXPECT_EQ(shell("ip -n " + rogue_ns + " link set dev eth0 address 02:5f:00:00:00:01"), "");
    pin_victim();
    check_dropped("MAC");
    const json ports = sfd.get("/v1/networks/" + net_name(6)).json()["stats"]["port_drops"];
    ASSERT_FALSE(ports.empty());
    EXPECT_EQ(ports[0].value("mac", ""), own_mac) << "the rogue's port is the one dropping: " << ports.dump();

    EXPECT_EQ(shell("ip -n " + rogue_ns + " link set dev eth0 address " + own_mac), "");
    EXPECT_EQ(shell("ip -n " + rogue_ns + " addr add " + subnet_prefix(6) + "200/24 dev eth0"), "");
    pin_victim();
    check_dropped("address");

    // The same datagrams from its own MAC and address arrive: the victim's counter can rise.
    const uint64_t received = udp_in(victim_ns);
    const uint64_t sent = send(ip_of(rogue));
    EXPECT_GE(sent, kDatagrams);
    EXPECT_TRUE(eventually([&] { return udp_in(victim_ns) >= received + sent; }, 5s))
        << sent << " sent, " << udp_in(victim_ns) - received << " taken in";
}

// Frames crafted in a container on network B (its own MAC and address, so
// its switch takes them) addressed to a container on A, by its MAC and IP,
// and broadcast: not one reaches A's switch or the victim's kernel.
TEST_F(ContainerNet, FramesCraftedOnAnotherNetworkNeverReachThisOne) {
    Sfd sfd(sfd_args());
    create_network(sfd, 8);
    create_network(sfd, 9);
    const json victim = container(sfd, 8, {"/bin/udpecho"}, {{"wait", "output"}});
    const json crafter = container(sfd, 9, {"/bin/sleep", "1000"});
    const std::string victim_ns = netns_of(sfd, victim), crafter_ns = netns_of(sfd, crafter);
    ASSERT_FALSE(victim_ns.empty());
    ASSERT_FALSE(crafter_ns.empty());
    const std::string own_mac = crafter["nic"].value("mac", ""), own_ip = ip_of(crafter);
    const std::vector<uint8_t> to_victim =
        udp_frame(victim["nic"].value("mac", ""), own_mac, own_ip, ip_of(victim));
    const std::vector<uint8_t> broadcast = udp_frame("ff:ff:ff:ff:ff:ff", own_mac, own_ip, ip_of(victim));
    auto frames_of = [&](int n) {
        return sfd.get("/v1/networks/" + net_name(n)).json()["stats"].value("frames", uint64_t{0});
    };
    const uint64_t a_before = frames_of(8), b_before = frames_of(9), received = udp_in(victim_ns);
    std::vector<std::vector<uint8_t>> frames;
    for (int i = 0; i < 50; ++i)
        frames.insert(frames.end(), {to_victim, broadcast});
    ASSERT_EQ(send_in_netns(crafter_ns, frames), frames.size());
    // B's switch has taken them all, so none is still on its way to A.
    EXPECT_TRUE(eventually([&] { return frames_of(9) >= b_before + frames.size(); }, 5s))
        << sfd.get("/v1/networks/" + net_name(9)).body;
    EXPECT_EQ(frames_of(8), a_before) << sfd.get("/v1/networks/" + net_name(8)).body;
    EXPECT_EQ(udp_in(victim_ns), received);
    // The same frames crafted by a neighbour on A (its MAC and address) do arrive.
    const json neighbour = container(sfd, 8, {"/bin/sleep", "1000"});
    const std::string neighbour_mac = neighbour["nic"].value("mac", "");
    const std::vector<std::vector<uint8_t>> within(
        50, udp_frame(victim["nic"].value("mac", ""), neighbour_mac, ip_of(neighbour), ip_of(victim)));
    ASSERT_EQ(send_in_netns(netns_of(sfd, neighbour), within), within.size());
    EXPECT_TRUE(eventually([&] { return udp_in(victim_ns) >= received + within.size(); }, 5s))
        << udp_in(victim_ns) - received << " of " << within.size() << " taken in";
}

// sfd SIGKILLed while a container on a network runs udpecho: the restarted
// sfd adopts it, with its address, and it answers nc from the host again;
// destroyed, its namespace goes from /run/netns.
TEST_F(ContainerNet, ARestartedSfdAdoptsANetworkedContainerThatStillAnswers) {
    char pattern[] = "/tmp/sf-ctrnet-restart-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    const std::vector<std::string> args = sfd_args({"--store", "lmdb", "--store-data", dir + "/store"});
    auto sfd = std::make_unique<Sfd>(args, dir);
    create_network(*sfd, 7);
    const json echo = container(*sfd, 7, {"/bin/udpecho"}, {{"wait", "output"}, {"name", "echo"}});
    const std::string ip = ip_of(echo), ns = netns_of(*sfd, echo);
    ASSERT_FALSE(ip.empty());
    ASSERT_TRUE(netns_exists(ns)) << ns;
    EXPECT_EQ(shell("printf before | nc -u -w1 " + ip + " 7"), "before");
    sfd->kill_hard();
    sfd = std::make_unique<Sfd>(args, dir);
    const json info = sfd->get("/v1/guests/echo").json();
    EXPECT_EQ(info.value("state", ""), "running") << info.dump();
    EXPECT_EQ(info.value("kind", ""), "container");
    EXPECT_EQ(ip_of(info), ip);
    EXPECT_EQ(netns_of(*sfd, echo), ns);
    std::string answer;
    EXPECT_TRUE(eventually([&] {
        return (answer = shell("printf after | nc -u -w1 " + ip + " 7")) == "after";
    })) << answer;
    EXPECT_EQ(sfd->del("/v1/guests/echo").status, 200);
    EXPECT_FALSE(netns_exists(ns)) << ns << " is left";
    EXPECT_EQ(sfd->del("/v1/networks/" + net_name(7)).status, 204);
    EXPECT_EQ(namespaces_of(7), 0u) << "namespaces of " << net_name(7) << " left in /run/netns";
    sfd.reset();
    fs::remove_all(dir);
}

} // namespace
} // namespace sf::test
