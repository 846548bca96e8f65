// The sample services of the rootfs (build/rootfs/bin: udpecho, httpd,
// kvcount, built for Linux from the guests' sources) served through the
// kernel's sockets: each runs in a network namespace of its own, as in a
// container, and Linux's nc, curl and ping talk to it from a namespace beside,
// as tests/e2e/sfd/sfd_net_test.cpp talks to the same services run as VMs.
// Busybox's wget and ping run beside the service, sharing its address. Needs
// root (network namespaces): skipped loudly otherwise.
#include "rootfs_fixture.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

using json = nlohmann::json;
using sf::test::kClientIp;
using sf::test::kServerIp;
using sf::test::NetnsPair;
using sf::test::Program;
using sf::test::rootfs_dir;

namespace {

class RootfsServices : public ::testing::Test {
  protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "SKIPPED LOUDLY: needs root (network namespaces)";
        ASSERT_TRUE(net_.ok());
    }
    // Starts /bin/NAME of the rootfs in the server namespace; checks its first line.
    std::unique_ptr<Program> start(const std::string& name, const std::string& port) {
        auto p =
            std::make_unique<Program>(net_.server(), std::vector<std::string>{rootfs_dir() + "/bin/" + name});
        EXPECT_EQ(p->first_line(), name + ": listening on " + kServerIp + ":" + port);
        return p;
    }
    std::string client(const std::string& command) { return net_.in_client(command); }

    NetnsPair net_;
};

TEST_F(RootfsServices, UdpEchoAnswersLinuxNc) {
    auto udpecho = start("udpecho", "7");
    const std::string ip = kServerIp;
    EXPECT_EQ(client("printf 'hello container' | nc -u -w1 " + ip + " 7"), "hello container");
    // A datagram the size of a full frame's payload, and one over it (the kernel fragments it).
    EXPECT_EQ(client("head -c 1472 /dev/zero | tr '\\0' x | nc -u -w1 " + ip + " 7 | wc -c"), "1472\n");
    EXPECT_EQ(client("head -c 4000 /dev/zero | tr '\\0' y | nc -u -w1 " + ip + " 7 | wc -c"), "4000\n");
}

TEST_F(RootfsServices, HttpdServesCurl) {
    auto httpd = start("httpd", "80");
    const std::string url = std::string("http://") + kServerIp;
    const std::string page = client("curl -s -m 5 " + url + "/");
    EXPECT_NE(page.find("<h1>superfluid</h1>"), std::string::npos) << page;
    EXPECT_EQ(client("curl -s -m 5 -o /dev/null -w '%{http_code}' " + url + "/nothing"), "404");
    EXPECT_EQ(client("curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST " + url + "/"), "405");
    // Keep-alive: two requests on one connection.
    EXPECT_EQ(
        client("curl -s -m 5 -o /dev/null -o /dev/null -w '%{num_connects}\\n' " + url + "/ " + url + "/"),
        "1\n0\n");
    // HTTP/1.0 and Connection: close end the connection after the answer.
    const std::string closing = client("curl -s -m 5 -i -0 " + url + "/");
    EXPECT_NE(closing.find("Connection: close"), std::string::npos) << closing;
    // A malformed request line: 400 and closed.
    EXPECT_EQ(
        client("printf 'NONSENSE\\r\\n\\r\\n' | nc -q1 -w2 " + std::string(kServerIp) + " 80 | head -1"),
        "HTTP/1.1 400 Bad Request\r\n");
    // 1 (page) + 1 (404) + 1 (405) + 2 (keep-alive) + 1 (1.0) + 1 (400) + this one.
    const json stats = json::parse(client("curl -s -m 5 " + url + "/stats"), nullptr, false);
    ASSERT_TRUE(stats.is_object());
    EXPECT_EQ(stats.value("hits", 0), 8);
    EXPECT_EQ(stats.value("pages", 0), 4);
    EXPECT_EQ(stats.value("not_found", 0), 1);
    EXPECT_EQ(stats.value("bad_requests", 0), 1);
    EXPECT_EQ(stats.value("connections", 0), 7);
}

TEST_F(RootfsServices, KvcountCountsOverNc) {
    auto kvcount = start("kvcount", "7000");
    const std::string kv = std::string(kServerIp) + " 7000";
    EXPECT_EQ(client("printf 'INCR a\\nINCR a\\nINCR b\\nGET a\\nGET zz\\n' | nc -q1 -w2 " + kv),
              "1\n2\n1\n2\n0\n");
    // The table is shared by every client; replies end as the request did; errors are lines.
    EXPECT_EQ(client("printf 'INCR a\\r\\nFOO\\nGET b\\n' | nc -q1 -w2 " + kv),
              "3\r\nERR unknown command\n1\n");
}

TEST_F(RootfsServices, BusyboxBesideTheServiceSharesItsAddress) {
    auto httpd = start("httpd", "80");
    // Busybox's applets chrooted into the rootfs, inside the "container's"
    // namespace: wget to its own address and to loopback, ping out.
    const std::string chroot = "chroot " + rootfs_dir() + " ";
    const std::string page = net_.in_server(chroot + "timeout 10 wget -q -O - http://" + kServerIp + "/");
    EXPECT_NE(page.find("<h1>superfluid</h1>"), std::string::npos) << page;
    const std::string local = net_.in_server(chroot + "timeout 10 wget -q -O - http://127.0.0.1/stats");
    EXPECT_NE(local.find("\"hits\":2"), std::string::npos) << local;
    const std::string ping = net_.in_server(chroot + "ping -c 1 -W 2 " + kClientIp);
    EXPECT_NE(ping.find("1 packets received"), std::string::npos) << ping;
    // And Linux's ping from beside: the kernel answers for the address httpd serves on.
    EXPECT_NE(client("ping -n -c 1 -W 2 " + std::string(kServerIp)).find("1 received"), std::string::npos);
}

TEST_F(RootfsServices, SigtermEndsAServiceWith143) {
    // As PID 1 of a container, a signal without a handler would be ignored.
    auto udpecho = start("udpecho", "7");
    const int status = udpecho->signal_and_wait(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 143);
}

TEST_F(RootfsServices, AddressIsTheFirstUpInterfaceElseLoopback) {
    // The first line names the address of the interface that is up (here the
    // client side's veth0), not loopback's.
    Program kvcount(net_.client(), {rootfs_dir() + "/bin/kvcount"});
    EXPECT_EQ(kvcount.first_line(), std::string("kvcount: listening on ") + kClientIp + ":7000");
    // A container without a network interface: the service serves on loopback.
    NetnsPair lone;
    ASSERT_TRUE(lone.ok());
    const std::string del = lone.in_server("ip link del eth0 && echo gone");
    ASSERT_EQ(del, "gone\n");
    Program alone(lone.server(), {rootfs_dir() + "/bin/udpecho"});
    EXPECT_EQ(alone.first_line(), "udpecho: listening on 127.0.0.1:7");
    EXPECT_EQ(lone.in_server("printf lo | nc -u -w1 127.0.0.1 7"), "lo");
}

} // namespace
