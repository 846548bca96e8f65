// Unit tests: the built sfctl binary's network commands (net create, list,
// info, rm) and guests with a NIC (create --net/--ip, the IP column of list,
// the NIC in info) against a real ApiServer in front of a FakeGuestService:
// output, one-line errors and exit codes (0 ok, 1 failure, 2 usage).
#include "sfctl_run.h"

#include <regex>

using nlohmann::json;
using sf::test::ApiFixture;
using sf::test::expect_sfctl_failure;
using sf::test::ProcessResult;
using sf::test::run_sfctl;

namespace {

class SfctlNet : public ApiFixture {
  protected:
    ProcessResult sfctl(std::vector<std::string> args) { return run_sfctl(std::move(args), socket_path); }

    static void expect_silent_success(const ProcessResult& r) {
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out + r.err, "");
    }

    void add_network(const std::string& name, const std::string& subnet) {
        ASSERT_TRUE(service.create_network({name, subnet}).ok());
    }
};

TEST_F(SfctlNet, CreateIsSilentAndErrorsAreOneLine) {
    expect_silent_success(sfctl({"net", "create", "net0", "--subnet", "10.0.0.0/24"}));
    ASSERT_TRUE(service.network_info("net0").ok());
    EXPECT_EQ(service.network_info("net0")->subnet, "10.0.0.0/24");
    expect_sfctl_failure(sfctl({"net", "create", "net0", "--subnet", "10.1.0.0/24"}), "net create",
                         "a network named 'net0' exists already");
    expect_sfctl_failure(sfctl({"net", "create", "net1", "--subnet", "10.0.0.0/8"}), "net create",
                         "overlaps");
    expect_sfctl_failure(sfctl({"net", "create", "net1", "--subnet", "10.2.0"}), "net create",
                         "subnet: \"10.2.0\" is not an IPv4 subnet");
    expect_sfctl_failure(sfctl({"net", "create", "net1", "--subnet", "10.2.0.1/24"}), "net create",
                         "host bits");
    expect_sfctl_failure(sfctl({"net", "create", "much-too-long-name", "--subnet", "10.2.0.0/24"}),
                         "net create", "name: 18 bytes, at most 15");
    EXPECT_EQ(sfctl({"net", "create", "net1"}).exit_code, 2);
    EXPECT_EQ(sfctl({"net", "create", "--subnet", "10.2.0.0/24"}).exit_code, 2);
    EXPECT_EQ(sfctl({"net"}).exit_code, 2);
    EXPECT_EQ(sfctl({"net", "bogus"}).exit_code, 2);
}

TEST_F(SfctlNet, ListIsATableOrJson) {
    auto empty = sfctl({"net", "list"});
    EXPECT_EQ(empty.exit_code, 0) << empty.err;
    EXPECT_EQ(empty.out, "NAME  SUBNET  HOST-ADDRESS  GUESTS\n");
    add_network("web", "192.168.10.0/24");
    add_network("back-end", "10.0.0.0/16");
    add_guest("a");
    ASSERT_TRUE(service.create({image_path, "g", 4 << 20, "", "web", "", true}).ok());
    auto r = sfctl({"net", "list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "NAME      SUBNET           HOST-ADDRESS  GUESTS\n"
                     "back-end  10.0.0.0/16      10.0.0.1      0\n"
                     "web       192.168.10.0/24  192.168.10.1  1\n");
    json array = json::parse(sfctl({"net", "list", "-o", "json"}).out, nullptr, false);
    ASSERT_TRUE(array.is_array());
    ASSERT_EQ(array.size(), 2u);
    EXPECT_EQ(array[1]["free_addresses"], 252);
    EXPECT_EQ(sfctl({"net", "list", "-o", "yaml"}).exit_code, 2);
}

TEST_F(SfctlNet, InfoShowsTheFieldsAndCounters) {
    add_network("net0", "10.0.0.0/24");
    auto r = sfctl({"net", "info", "net0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "name:           net0\n"
                     "subnet:         10.0.0.0/24\n"
                     "host_address:   10.0.0.1\n"
                     "uplink:         net0\n"
                     "guests:         0\n"
                     "free_addresses: 253\n"
                     "stats.dropped:  0\n"
                     "stats.frames:   0\n");
    json network = json::parse(sfctl({"net", "info", "net0", "-o", "json"}).out, nullptr, false);
    EXPECT_EQ(network["host_address"], "10.0.0.1");
    expect_sfctl_failure(sfctl({"net", "info", "nope"}), "net info", "no network named 'nope'");
    EXPECT_EQ(sfctl({"net", "info"}).exit_code, 2);
}

TEST_F(SfctlNet, RmTakesSeveralAndRefusesANetworkInUse) {
    add_network("a", "10.1.0.0/24");
    add_network("b", "10.2.0.0/24");
    add_network("c", "10.3.0.0/24");
    ASSERT_TRUE(service.create({image_path, "g", 4 << 20, "", "c", "", true}).ok());
    auto r = sfctl({"net", "rm", "a", "nope", "c", "b"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "sfctl net rm: no network named 'nope'\n"
                     "sfctl net rm: network 'c' still has 1 guest address(es) in use\n");
    ASSERT_EQ(service.list_networks()->size(), 1u);
    ASSERT_TRUE(service.destroy("g").ok());
    expect_silent_success(sfctl({"net", "rm", "c"}));
    EXPECT_TRUE(service.list_networks()->empty());
    EXPECT_EQ(sfctl({"net", "rm"}).exit_code, 2);
}

TEST_F(SfctlNet, CreateWithNetAndIp) {
    add_network("net0", "10.0.0.0/24");
    auto r = sfctl({"create", image_path, "--name", "a", "--net", "net0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "1\n");
    EXPECT_EQ(service.last_request.net, "net0");
    EXPECT_EQ(service.last_request.ip, "");
    EXPECT_EQ(service.info("a")->nic->ip, "10.0.0.2");
    r = sfctl({"create", image_path, "--name", "b", "--net", "net0", "--ip", "10.0.0.50"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(service.info("b")->nic->ip, "10.0.0.50");
    expect_sfctl_failure(sfctl({"create", image_path, "--net", "net0", "--ip", "10.0.0.50"}), "create",
                         "address 10.0.0.50 is already in use");
    expect_sfctl_failure(sfctl({"create", image_path, "--net", "net0", "--ip", "10.1.0.5"}), "create",
                         "outside the network's subnet");
    expect_sfctl_failure(sfctl({"create", image_path, "--net", "net0", "--ip", "10.0.0.500"}), "create",
                         "ip: \"10.0.0.500\" is not an IPv4 address");
    expect_sfctl_failure(sfctl({"create", image_path, "--net", "nope"}), "create", "no network named 'nope'");
    EXPECT_EQ(sfctl({"create", image_path, "--ip", "10.0.0.5"}).exit_code, 2) << "--ip needs --net";
    EXPECT_EQ(service.list()->size(), 2u);
}

TEST_F(SfctlNet, ListShowsTheIpAndInfoTheNic) {
    add_network("net0", "10.0.0.0/24");
    add_guest("plain");
    ASSERT_TRUE(service.create({image_path, "web", 4 << 20, "", "net0", "10.0.0.7", true}).ok());
    auto r = sfctl({"list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(std::regex_replace(r.out, std::regex("9[0-9]s"), "9Xs"),
              "ID  NAME   KIND  STATE    WORKER  MEM   IP        IMAGE  AGE\n"
              "1   plain  vm    running  1       4MiB  -         hello  9Xs\n"
              "2   web    vm    running  0       4MiB  10.0.0.7  hello  9Xs\n");
    r = sfctl({"info", "web"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("nic.network:     net0\n"
                         "nic.mac:         02:00:00:00:00:02\n"
                         "nic.ip:          10.0.0.7/24\n"
                         "nic.gateway:     10.0.0.1\n"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(sfctl({"info", "plain"}).out.find("nic"), std::string::npos) << "no NIC, no lines";
}

} // namespace
