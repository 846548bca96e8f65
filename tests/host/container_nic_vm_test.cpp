// Tests: a container NIC and a VM guest on one network. sfd's Host runs in
// this process (its workers are real sf-worker processes booting the
// udpecho and httpd guests), on a thread in a private network namespace;
// a container NIC is leased from its NetService and Linux's nc and curl run
// in its namespace with `ip netns exec`. Runs once per guest backend.
#include "backend_under_test.h"
#include "container_shell.h"
#include "host/host.h"
#include "netns_test_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

using sf::host::Host;
using sf::host::HostOptions;
using sf::host::NicLease;
using sf::test::in_netns;
using sf::test::shell;

namespace {

std::unique_ptr<Host> host_here() {
    HostOptions options;
    options.pool.workers = 1;
    options.pool.max_workers = 1;
    options.worker.program = std::string(SF_BIN_DIR) + "/sf-worker";
    const char* backend = std::getenv("SF_BACKEND");
    options.worker.settings.backend = backend ? backend : "auto";
    options.net.pool_target = 2;
    options.net.container_pool = 1;
    auto host = Host::create(options);
    EXPECT_TRUE(host) << host.error().message;
    return host ? std::move(*host) : nullptr;
}

// A VM guest of `image` on `network`; its address ("" on failure).
std::string boot_vm(Host& host, const std::string& image, const std::string& network) {
    sf::host::CreateRequest request;
    request.image = std::string(SF_GUEST_DIR) + "/" + image;
    request.net = network;
    request.wait_for_output = true;
    auto guest = host.services().guests.create(request);
    EXPECT_TRUE(guest) << guest.error().message;
    return guest && guest->nic ? guest->nic->ip : "";
}

} // namespace

TEST(ContainerNicVm, AContainerGetsEchoesFromAVmsUdpecho) {
    SF_REQUIRE_GUEST_BACKEND("CONTAINER NIC");
    SF_IN_NETNS([] {
        auto host = host_here();
        ASSERT_TRUE(host);
        ASSERT_TRUE(host->services().networks.create_network({"cnvm-u", "10.91.0.0/24"}));
        const std::string vm = boot_vm(*host, "udpecho", "cnvm-u");
        ASSERT_NE(vm, "");
        auto container = host->net().lease_container("cnvm-u", "");
        ASSERT_TRUE(container) << container.error().message;
        EXPECT_EQ(in_netns(*container, "sh -c \"printf 'hello vm' | nc -u -w1 " + vm + " 7\""), "hello vm");
        host->net().release(container->port_key);
        host->shutdown();
    });
}

TEST(ContainerNicVm, CurlInAContainerReachesAVmsHttpd) {
    SF_REQUIRE_GUEST_BACKEND("CONTAINER NIC");
    SF_IN_NETNS([] {
        auto host = host_here();
        ASSERT_TRUE(host);
        ASSERT_TRUE(host->services().networks.create_network({"cnvm-h", "10.92.0.0/24"}));
        const std::string vm = boot_vm(*host, "httpd", "cnvm-h");
        ASSERT_NE(vm, "");
        auto container = host->net().lease_container("cnvm-h", "");
        ASSERT_TRUE(container) << container.error().message;
        EXPECT_EQ(in_netns(*container, "curl -s -m 5 -o /dev/null -w '%{http_code}' http://" + vm + "/"),
                  "200");
        EXPECT_NE(in_netns(*container, "curl -s -m 5 http://" + vm + "/stats"), "");
        host->net().release(container->port_key);
        host->shutdown();
    });
}
