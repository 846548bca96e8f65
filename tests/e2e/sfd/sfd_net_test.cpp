// End-to-end networking: a real sfd with networks (uplink TAPs, switches) and
// real guests, talked to by Linux's own ping, curl and nc. Runs inside a
// private network namespace (ctest runs it under scripts/testns), so every
// address below exists only there.
#include "sfd_fixture.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <thread>

using sf::test::guest_image;
using sf::test::page_with;
using sf::test::Sfd;
using sf::test::shell;
using json = nlohmann::json;

namespace {

// The output of a shell command (stdout and stderr).

bool in_private_namespace() {
    return std::getenv("SF_TESTNS") != nullptr;
}

#define SF_NET_REQUIRE()                                                                                     \
    do {                                                                                                     \
        SF_SFD_REQUIRE_KVM();                                                                                \
        if (!in_private_namespace())                                                                         \
            GTEST_SKIP()                                                                                     \
                << "SKIPPED: run under scripts/testns (ctest does): networks need a private namespace";      \
    } while (0)

json guest(const std::string& image, const std::string& net, const std::string& name = "") {
    json fields = {{"image", guest_image(image)}, {"net", net}, {"wait", "output"}};
    if (!name.empty()) fields["name"] = name;
    return fields;
}

std::string create_network(Sfd& sfd, const std::string& name, const std::string& subnet) {
    auto created = sfd.post("/v1/networks", json{{"name", name}, {"subnet", subnet}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("host_address", "");
}

// Creates a guest and returns its IP ("" on failure, with a test failure).
std::string create_guest(Sfd& sfd, const std::string& image, const std::string& net,
                         const std::string& name = "") {
    auto created = sfd.create(guest(image, net, name));
    EXPECT_EQ(created.status, 201) << created.body;
    json body = created.json();
    if (!body.is_object() || !body["nic"].is_object()) return "";
    return body["nic"].value("ip", "");
}

int ping_received(const std::string& ip, int count) {
    std::string out = shell("ping -n -q -c " + std::to_string(count) + " -i 0.05 -W 1 " + ip);
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(R"((\d+) received)"))) return -1;
    return std::stoi(m[1]);
}

json wait_for_state(Sfd& sfd, const std::string& ref, const std::string& state, int timeout_ms) {
    json info;
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        info = sfd.get("/v1/guests/" + ref).json();
        if (info.is_object() && info.value("state", "") == state) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return info;
}

// Sends raw Ethernet frames out of interface `ifname` (into its network).
// One socket for many frames: closing a packet socket waits for an RCU grace
// period (~10 ms here).
class RawSender {
  public:
    explicit RawSender(const std::string& ifname) : fd_(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) {
        addr_.sll_family = AF_PACKET;
        addr_.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
        addr_.sll_halen = 6;
    }
    ~RawSender() { ::close(fd_); }
    RawSender(const RawSender&) = delete;
    RawSender& operator=(const RawSender&) = delete;
    bool send(const std::vector<uint8_t>& frame) {
        return ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&addr_),
                        sizeof addr_) == static_cast<ssize_t>(frame.size());
    }

  private:
    int fd_;
    sockaddr_ll addr_{};
};

std::vector<uint8_t> parse_mac(const std::string& text) {
    std::vector<uint8_t> mac;
    for (size_t i = 0; i + 1 < text.size() + 1 && mac.size() < 6; i += 3)
        mac.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    return mac;
}

uint16_t checksum(const uint8_t* data, size_t len, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// An Ethernet frame with a TCP SYN from src_ip:src_port to dst_ip:80, checksums right.
std::vector<uint8_t> syn_frame(const std::vector<uint8_t>& dst_mac, uint32_t src_ip, uint32_t dst_ip,
                               uint16_t src_port) {
    std::vector<uint8_t> f(dst_mac.begin(), dst_mac.end());
    f.insert(f.end(), {0x02, 0x66, 0, 0, 0, 3, 0x08, 0x00});
    uint8_t ip[20] = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0};
    for (int i = 0; i < 4; ++i)
        ip[12 + i] = static_cast<uint8_t>(src_ip >> (24 - 8 * i));
    for (int i = 0; i < 4; ++i)
        ip[16 + i] = static_cast<uint8_t>(dst_ip >> (24 - 8 * i));
    const uint16_t ip_sum = checksum(ip, 20);
    ip[10] = static_cast<uint8_t>(ip_sum >> 8), ip[11] = static_cast<uint8_t>(ip_sum);
    // The TCP header's bytes, laid out by hand.
    // clang-format off
    uint8_t tcp[20] = {static_cast<uint8_t>(src_port >> 8), static_cast<uint8_t>(src_port), 0, 80, 0x12, 0x34, 0x56, 0x78,
                       0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
    // clang-format on
    uint32_t pseudo = (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) + 6 + 20;
    const uint16_t tcp_sum = checksum(tcp, 20, pseudo);
    tcp[16] = static_cast<uint8_t>(tcp_sum >> 8), tcp[17] = static_cast<uint8_t>(tcp_sum);
    f.insert(f.end(), ip, ip + 20);
    f.insert(f.end(), tcp, tcp + 20);
    return f;
}

uint64_t switch_frames(Sfd& sfd, const std::string& net) {
    json info = sfd.get("/v1/networks/" + net).json();
    return info.is_object() ? info["stats"].value("frames", uint64_t{0}) : 0;
}

} // namespace

TEST(SfdNet, NetworkGetsAnUplinkTapWithTheFirstAddress) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    EXPECT_EQ(create_network(sfd, "tnet0", "10.61.0.0/24"), "10.61.0.1");
    EXPECT_NE(shell("ip -o -4 addr show dev tnet0").find("inet 10.61.0.1/24"), std::string::npos);
    EXPECT_NE(shell("ip -o link show dev tnet0").find("UP"), std::string::npos);
    EXPECT_EQ(sfd.post("/v1/networks", R"({"name":"tnet0","subnet":"10.62.0.0/24"})").status, 409);
    EXPECT_EQ(sfd.post("/v1/networks", R"({"name":"tnet1","subnet":"10.61.0.0/16"})").status,
              409);                                                                              // overlaps
    EXPECT_EQ(sfd.post("/v1/networks", R"({"name":"lo","subnet":"10.63.0.0/24"})").status, 409); // exists
    EXPECT_EQ(sfd.post("/v1/networks", R"({"name":"-bad","subnet":"10.64.0.0/24"})").status, 400);
    EXPECT_EQ(sfd.post("/v1/networks", R"({"name":"tnet2","subnet":"10.65.0.5/24"})").status, 400);
    // A failed create leaves nothing behind.
    EXPECT_EQ(shell("ip -o link show dev tnet1").find("tnet1:"), std::string::npos);
    EXPECT_EQ(sfd.del("/v1/networks/tnet0").status, 204);
    EXPECT_EQ(shell("ip -o link show dev tnet0").find("tnet0:"), std::string::npos);
    EXPECT_EQ(sfd.del("/v1/networks/tnet0").status, 404);
}

TEST(SfdNet, LinuxPingReachesPingGuests) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "2"});
    create_network(sfd, "pnet", "10.71.0.0/24");
    const std::string a = create_guest(sfd, "ping", "pnet", "pa");
    const std::string b = create_guest(sfd, "ping", "pnet", "pb");
    EXPECT_EQ(a, "10.71.0.2");
    EXPECT_EQ(b, "10.71.0.3");
    EXPECT_EQ(ping_received(a, 20), 20);
    EXPECT_EQ(ping_received(b, 20), 20);
    // Not an address of any guest: nobody answers.
    EXPECT_EQ(ping_received("10.71.0.99", 2), 0);
    // The guests wait in poll between pings: none is left running.
    json host = sfd.get("/v1/host").json();
    for (const auto& w : host["workers"])
        EXPECT_EQ(w["scheduler"].value("running", -1), 0) << w.dump();
}

TEST(SfdNet, CurlGetsThePageAndStatsFromHttpd) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "hnet", "10.72.0.0/24");
    const std::string ip = create_guest(sfd, "httpd", "hnet");
    const std::string page = shell("curl -s -m 5 http://" + ip + "/");
    EXPECT_NE(page.find("<html>"), std::string::npos) << page;
    for (int i = 0; i < 5; ++i)
        shell("curl -s -m 5 -o /dev/null http://" + ip + "/");
    json stats = json::parse(shell("curl -s -m 5 http://" + ip + "/stats"), nullptr, false);
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats.value("hits", 0), 7);
    EXPECT_EQ(shell("curl -s -m 5 -o /dev/null -w '%{http_code}' http://" + ip + "/nothing"), "404");
    // Keep-alive: several requests on one connection (curl reuses it for repeated URLs).
    std::string two = shell("curl -s -m 5 http://" + ip + "/ http://" + ip + "/");
    EXPECT_EQ(std::count(two.begin(), two.end(), '<') > 4, true);
}

// httpd serves the page the store holds under its data/page, and follows it.
TEST(SfdNet, HttpdServesItsPageFromTheStoreAndFollowsChanges) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "pnet", "10.81.0.0/24");
    json fields = guest("httpd", "pnet", "paged");
    fields["start"] = false;
    fields.erase("wait");
    auto created = sfd.create(fields);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = std::to_string(created.json().value("id", 0));
    const std::string ip = created.json()["nic"].value("ip", "");
    const std::string xs = "XENSTORED_PATH=" + sfd.store_socket() + " xenstore-";
    const std::string key = "/local/domain/" + id + "/data/page";
    EXPECT_EQ(shell(xs + "write " + key + " '<p>from the store</p>'"), "");
    ASSERT_EQ(sfd.post("/v1/guests/paged/start").status, 200);
    EXPECT_EQ(page_with(ip, "from the store"), "<p>from the store</p>");
    EXPECT_EQ(shell(xs + "write " + key + " '<p>changed</p>'"), "");
    EXPECT_EQ(page_with(ip, "changed"), "<p>changed</p>") << "httpd follows data/page through its watch";
    EXPECT_EQ(shell(xs + "rm " + key), "");
    const std::string page = page_with(ip, "<html>");
    EXPECT_NE(page.find("<html>"), std::string::npos) << "without the key, the built-in page: " << page;
}

// sfd killed with SIGKILL and restarted on its durable store: the network is
// back, and a kvcount guest kept running in its adopted worker answers on
// its address with its counters intact; a new guest gets another address.
TEST(SfdNet, GuestsKeepTheirNetworkAcrossAnSfdRestart) {
    SF_NET_REQUIRE();
    char pattern[] = "/tmp/sf-net-restart-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    const std::vector<std::string> args = {"--workers",    "1",         "--store",        "lmdb",
                                           "--store-data", dir + "/db", "--orphan-grace", "30"};
    std::string kv, web;
    {
        Sfd sfd(args, dir);
        create_network(sfd, "rnet", "10.82.0.0/24");
        kv = create_guest(sfd, "kvcount", "rnet", "counter");
        web = create_guest(sfd, "httpd", "rnet", "web");
        EXPECT_EQ(shell("printf 'INCR a\\nINCR a\\nINCR a\\n' | nc -q1 -w2 " + kv + " 7000"), "1\n2\n3\n");
        sfd.kill_hard();
    }
    EXPECT_NE(ping_received(kv, 1), 1) << "the uplink went with sfd";
    Sfd sfd(args, dir);
    EXPECT_EQ(sfd.get("/v1/networks/rnet").status, 200);
    json info = sfd.get("/v1/guests/counter").json();
    EXPECT_EQ(info.value("state", ""), "running") << info.dump();
    EXPECT_EQ(info["nic"].value("ip", ""), kv);
    EXPECT_EQ(ping_received(kv, 5), 5);
    EXPECT_EQ(shell("printf 'INCR a\\nGET a\\n' | nc -q1 -w2 " + kv + " 7000"), "4\n4\n");
    // httpd's watch on data/page is registered again with the new sfd.
    const std::string web_id = std::to_string(sfd.get("/v1/guests/web").json().value("id", 0));
    EXPECT_EQ(shell("XENSTORED_PATH=" + sfd.store_socket() + " xenstore-write /local/domain/" + web_id +
                    "/data/page '<p>after the restart</p>'"),
              "");
    EXPECT_EQ(page_with(web, "after the restart"), "<p>after the restart</p>");
    const std::string other = create_guest(sfd, "ping", "rnet");
    EXPECT_FALSE(other.empty());
    EXPECT_NE(other, kv);
    EXPECT_NE(other, web);
    EXPECT_EQ(ping_received(other, 3), 3);
    EXPECT_EQ(sfd.stop(), 0);
    std::filesystem::remove_all(dir);
}

TEST(SfdNet, NcTalksUdpToUdpechoAndTcpToKvcount) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "unet", "10.73.0.0/24");
    const std::string udp = create_guest(sfd, "udpecho", "unet");
    EXPECT_EQ(shell("printf 'hello guest' | nc -u -w1 " + udp + " 7"), "hello guest");
    const std::string kv = create_guest(sfd, "kvcount", "unet");
    std::string out =
        shell("printf 'INCR a\\nINCR a\\nINCR b\\nGET a\\nGET zz\\n' | nc -q1 -w2 " + kv + " 7000");
    EXPECT_EQ(out, "1\n2\n1\n2\n0\n");
}

TEST(SfdNet, AddressesAskedForAndTheirErrors) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "anet", "10.74.0.0/24");
    json fields = guest("ping", "anet", "fixed");
    fields["ip"] = "10.74.0.50";
    auto created = sfd.create(fields);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.json()["nic"]["ip"], "10.74.0.50");
    EXPECT_EQ(ping_received("10.74.0.50", 3), 3);
    fields["name"] = "again";
    EXPECT_EQ(sfd.create(fields).status, 409); // in use
    fields["ip"] = "10.99.0.5";
    EXPECT_EQ(sfd.create(fields).status, 400); // outside the subnet
    fields["ip"] = "10.74.0.1";
    EXPECT_EQ(sfd.create(fields).status, 400); // the host's
    fields.erase("ip");
    fields["net"] = "nosuch";
    EXPECT_EQ(sfd.create(fields).status, 404);
    // A network with guests cannot go; once they are gone it can.
    EXPECT_EQ(sfd.del("/v1/networks/anet").status, 409);
    EXPECT_EQ(sfd.del("/v1/guests/fixed").status, 200);
    EXPECT_EQ(sfd.del("/v1/networks/anet").status, 204);
}

TEST(SfdNet, GuestsInDifferentWorkersTalkThroughTheSwitch) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "2"});
    create_network(sfd, "xnet", "10.75.0.0/24");
    auto echo = sfd.create(guest("udpecho", "xnet", "echo"));
    ASSERT_EQ(echo.status, 201) << echo.body;
    json client = guest("udpclient", "xnet", "client");
    client["cmdline"] = echo.json()["nic"].value("ip", "") + " 7 20";
    auto created = sfd.create(client);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_NE(created.json()["worker"], echo.json()["worker"]); // least-loaded placement
    json info = wait_for_state(sfd, "client", "exited", 10000);
    EXPECT_EQ(info.value("exit_status", -1), 0) << info.dump() << sfd.get("/v1/guests/client/logs").body;
}

TEST(SfdNet, NetworksAreIsolatedWhateverTheFrameSays) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "ina", "10.76.0.0/24");
    create_network(sfd, "inb", "10.77.0.0/24");
    auto created = sfd.create(guest("udpecho", "ina", "victim"));
    ASSERT_EQ(created.status, 201);
    const std::vector<uint8_t> mac = parse_mac(created.json()["nic"].value("mac", ""));
    ASSERT_EQ(mac.size(), 6u);
    // A frame sent into network B addressed to A's guest (its MAC, its IP), and broadcasts.
    std::vector<uint8_t> frame(mac.begin(), mac.end());
    const std::vector<uint8_t> rest = {0x02, 0x66, 0,    0, 0,  1,  0x08, 0x00, 0x45, 0,  0, 28,
                                       0,    0,    0x40, 0, 64, 17, 0,    0,    10,   77, 0, 1,
                                       10,   76,   0,    2, 0,  9,  0,    7,    0,    8,  0, 0};
    frame.insert(frame.end(), rest.begin(), rest.end());
    std::vector<uint8_t> broadcast = frame;
    std::fill(broadcast.begin(), broadcast.begin() + 6, 0xff);
    const uint64_t before = switch_frames(sfd, "ina");
    RawSender into_b("inb");
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(into_b.send(frame));
        ASSERT_TRUE(into_b.send(broadcast));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(switch_frames(sfd, "ina"), before); // not one frame reached A's switch
    EXPECT_GE(switch_frames(sfd, "inb"), 100u);
    EXPECT_EQ(shell("printf ok | nc -u -w1 10.76.0.2 7"), "ok");
}

TEST(SfdNet, BadFramesAndSynFloodLeaveGuestsAnswering) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1"});
    create_network(sfd, "bnet", "10.78.0.0/24");
    auto created = sfd.create(guest("httpd", "bnet", "web"));
    ASSERT_EQ(created.status, 201);
    const std::string ip = created.json()["nic"].value("ip", "");
    const std::vector<uint8_t> mac = parse_mac(created.json()["nic"].value("mac", ""));
    ASSERT_EQ(ping_received(ip, 2), 2); // the host knows the guest's MAC now
    std::vector<uint8_t> header(mac.begin(), mac.end());
    header.insert(header.end(), {0x02, 0x66, 0, 0, 0, 2, 0x08, 0x00});
    // Truncated IPv4, a bad header checksum, IP options with garbage, a fragment, an unknown EtherType.
    std::vector<std::vector<uint8_t>> bad = {
        {0x45, 0, 0, 60},
        {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0xde, 0xad, 10, 78, 0, 1, 10, 78, 0, 2},
        {0x4f, 0, 0, 60, 0, 0, 0, 0, 64, 6, 0, 0, 10, 78, 0, 1, 10, 78, 0, 2, 0xff, 0xff, 0xff, 0xff},
        {0x45, 0, 0, 28, 0, 1, 0x20, 0, 64, 17, 0, 0, 10, 78, 0, 1, 10, 78, 0, 2, 0, 1, 0, 7, 0, 8, 0, 0},
    };
    RawSender sender("bnet");
    for (int round = 0; round < 100; ++round) {
        for (const auto& payload : bad) {
            std::vector<uint8_t> frame = header;
            frame.insert(frame.end(), payload.begin(), payload.end());
            ASSERT_TRUE(sender.send(frame));
        }
    }
    // A SYN flood: 2,000 SYNs from an address nobody answers for (no RST ever
    // clears the half-open entries), while an established connection is in use.
    std::string keep = shell("curl -s -m 5 http://" + ip + "/stats");
    EXPECT_NE(keep.find("hits"), std::string::npos);
    for (uint16_t port = 1000; port < 3000; ++port)
        ASSERT_TRUE(sender.send(syn_frame(mac, 0x0a4e00c8 /* 10.78.0.200 */, 0x0a4e0002, port)));
    // Frames beyond what the RX ring holds were dropped while the burst lasted; once it has passed,
    // every ping is answered.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(ping_received(ip, 5), 5);
    // Half-open entries expire after ~3 s; then new connections are served again.
    std::string page;
    for (int i = 0; i < 10 && page.find("<html>") == std::string::npos; ++i)
        page = shell("curl -s -m 2 http://" + ip + "/");
    EXPECT_NE(page.find("<html>"), std::string::npos);
    EXPECT_EQ(sfd.get("/v1/guests/web").json().value("state", ""), "running");
}

TEST(SfdNet, CreateDestroyCyclesGiveAddressesAndPortsBack) {
    SF_NET_REQUIRE();
    Sfd sfd({"--workers", "1", "--net-pool", "8"});
    create_network(sfd, "cnet", "10.79.0.0/24");
    for (int i = 0; i < 300; ++i) { // more than the /24 holds: addresses must come back
        auto created = sfd.create(guest("ping", "cnet", "c"));
        ASSERT_EQ(created.status, 201) << created.body;
        ASSERT_EQ(sfd.del("/v1/guests/c").status, 200);
    }
    json info = sfd.get("/v1/networks/cnet").json();
    EXPECT_EQ(info.value("guests", -1), 0);
    const std::string ip = create_guest(sfd, "ping", "cnet");
    EXPECT_EQ(ping_received(ip, 3), 3);
}
