// Unit tests: parsing of POST /v1/networks bodies, and the syntax checks of
// network names, IPv4 addresses and subnets, without a server.
#include "host/network_request_parser.h"

#include <gtest/gtest.h>

using sf::host::check_ipv4_address;
using sf::host::check_ipv4_cidr;
using sf::host::check_network_name;
using sf::host::parse_network_request;

namespace {

// The body is refused as InvalidArgument with a one-line message containing `needle`.
void expect_refused(const std::string& body, const std::string& needle) {
    auto request = parse_network_request(body);
    ASSERT_FALSE(request.ok()) << body;
    EXPECT_EQ(request.error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_NE(request.error().message.find(needle), std::string::npos) << request.error().message;
    EXPECT_EQ(request.error().message.find('\n'), std::string::npos);
}

TEST(NetworkRequestParser, ReadsNameAndSubnet) {
    auto request = parse_network_request(R"({"name": "net0", "subnet": "10.0.0.0/24"})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->name, "net0");
    EXPECT_EQ(request->subnet, "10.0.0.0/24");
}

TEST(NetworkRequestParser, RefusesWhatIsNotANetwork) {
    expect_refused("", "malformed JSON");
    expect_refused("{\"name\": ", "malformed JSON");
    expect_refused("[]", "expected a JSON object");
    expect_refused("{}", "name: required");
    expect_refused(R"({"name": "n"})", "subnet: required");
    expect_refused(R"({"subnet": "10.0.0.0/24"})", "name: required");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0/24", "mtu": 1500})",
                   "unknown field \"mtu\" (known: name, subnet)");
    expect_refused(R"({"name": 5, "subnet": "10.0.0.0/24"})", "name: expected a string, got number");
    expect_refused(R"({"name": "n", "subnet": 24})", "subnet: expected a string, got number");
    expect_refused(R"({"name": "n", "subnet": null})", "subnet: expected a string, got null");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0"})", "subnet: \"10.0.0.0\" is not an IPv4 subnet");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0/33"})", "is not an IPv4 subnet");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0/024"})", "is not an IPv4 subnet");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0/"})", "is not an IPv4 subnet");
    expect_refused(R"({"name": "n", "subnet": "10.0.0.0/24\n"})", "is not an IPv4 subnet");
    expect_refused(R"({"name": "a-very-long-name", "subnet": "10.0.0.0/24"})", "name: 16 bytes, at most 15");
    expect_refused(R"({"name": "a/b", "subnet": "10.0.0.0/24"})", "name: only letters");
    expect_refused(R"({"name": "-x", "subnet": "10.0.0.0/24"})", "name: must not start with");
    expect_refused(R"({"name": "", "subnet": "10.0.0.0/24"})", "name: must not be empty");
}

TEST(NetworkName, AcceptsTheInterfaceAlphabet) {
    for (const char* name : {"a", "net0", "Net_1.b-c", "0", "123", "_x", "fifteen-chars-x"})
        EXPECT_TRUE(check_network_name("name", name).ok()) << name;
    for (const char* name : {"", ".x", "-x", "a b", "a/b", "a:b", "sixteen-chars-xx", "é"})
        EXPECT_FALSE(check_network_name("name", name).ok()) << name;
}

TEST(Ipv4Syntax, IsTheStrictDottedQuad) {
    for (const char* ip : {"0.0.0.0", "10.0.0.5", "255.255.255.255", "192.168.100.1"})
        EXPECT_TRUE(check_ipv4_address("ip", ip).ok()) << ip;
    for (const char* ip : {"", "10", "10.0.0", "10.0.0.0.1", "10.0.0.256", "010.0.0.1", "10.0.0.01",
                           " 10.0.0.1", "10.0.0.1 ", "x10.0.0.1", "10.0.0.1x", "10..0.1", "10.0.0.",
                           ".10.0.0", "-1.0.0.0", "+1.0.0.0", "0x1.0.0.0", "1000.0.0.1", "10.0.0.1/24"})
        EXPECT_FALSE(check_ipv4_address("ip", ip).ok()) << ip;
    EXPECT_EQ(check_ipv4_address("ip", "1.2.3").error().message,
              "ip: \"1.2.3\" is not an IPv4 address (four decimal octets 0-255, like \"10.0.0.5\")");
}

TEST(Ipv4Syntax, SubnetsNeedAPrefixUpTo32) {
    for (const char* cidr : {"10.0.0.0/24", "0.0.0.0/0", "10.0.0.5/32", "10.0.0.0/8"})
        EXPECT_TRUE(check_ipv4_cidr("subnet", cidr).ok()) << cidr;
    for (const char* cidr : {"10.0.0.0", "10.0.0.0/", "/24", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/24/",
                             "10.0.0/24", "10.0.0.0/ 24"})
        EXPECT_FALSE(check_ipv4_cidr("subnet", cidr).ok()) << cidr;
}

} // namespace
