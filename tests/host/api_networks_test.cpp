// Unit tests: sfd's network routes (/v1/networks) and guests with a NIC
// ("net", "ip") through a real ApiServer on a unix socket, in front of a
// FakeGuestService: every status (201, 200, 204, 400, 404, 405, 409), with
// httplib's client and with the real curl.
#include "api_test_support.h"

using nlohmann::json;
using sf::test::ApiFixture;
using sf::test::expect_error;
using sf::test::parse_body;
using sf::test::run_process;

namespace {

std::vector<std::string> keys_of(const json& object) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : object.items())
        keys.push_back(key);
    return keys;
}

class ApiNetworks : public ApiFixture {
  protected:
    httplib::Result post_network(const std::string& body) {
        return client().Post("/v1/networks", body, "application/json");
    }
    httplib::Result post_network(const std::string& name, const std::string& subnet) {
        return post_network(json{{"name", name}, {"subnet", subnet}}.dump());
    }
    httplib::Result post_guest(json body) {
        body["image"] = image_path;
        return client().Post("/v1/guests", body.dump(), "application/json");
    }
    // net0 on 10.0.0.0/24 (the host is 10.0.0.1).
    void add_net0() { ASSERT_EQ(post_network("net0", "10.0.0.0/24")->status, 201); }
};

TEST_F(ApiNetworks, CreateIs201WithTheNetworkObject) {
    auto r = post_network("net0", "10.0.0.0/24");
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(r->get_header_value("Location"), "/v1/networks/net0");
    json network = parse_body(r);
    EXPECT_EQ(keys_of(network), (std::vector<std::string>{"free_addresses", "guests", "host_address", "name",
                                                          "stats", "subnet", "uplink"}));
    EXPECT_EQ(network["name"], "net0");
    EXPECT_EQ(network["subnet"], "10.0.0.0/24");
    EXPECT_EQ(network["host_address"], "10.0.0.1");
    EXPECT_EQ(network["uplink"], "net0");
    EXPECT_EQ(network["guests"], 0);
    EXPECT_EQ(network["free_addresses"], 253);
    EXPECT_TRUE(network["stats"].is_object());
}

struct BadNetwork {
    std::string body;
    std::string needle;
};

class NetworkValidation : public ApiNetworks, public ::testing::WithParamInterface<BadNetwork> {};

TEST_P(NetworkValidation, IsA400NamingTheField) {
    expect_error(post_network(GetParam().body), 400, GetParam().needle);
    EXPECT_TRUE(service.list_networks()->empty());
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, NetworkValidation,
    ::testing::Values(BadNetwork{"", "malformed JSON"}, BadNetwork{"{\"name\": ", "malformed JSON"},
                      BadNetwork{"[1]", "expected a JSON object"}, BadNetwork{"{}", "name: required"},
                      BadNetwork{R"({"name": "n"})", "subnet: required"},
                      BadNetwork{R"({"subnet": "10.0.0.0/24"})", "name: required"},
                      BadNetwork{R"({"name": "n", "subnet": "10.0.0.0/24", "x": 1})", "unknown field \"x\""},
                      BadNetwork{R"({"name": 1, "subnet": "10.0.0.0/24"})", "name: expected a string"},
                      BadNetwork{R"({"name": "n", "subnet": ["10.0.0.0/24"]})", "subnet: expected a string"},
                      BadNetwork{R"({"name": "", "subnet": "10.0.0.0/24"})", "name: must not be empty"},
                      BadNetwork{R"({"name": "0123456789abcdef", "subnet": "10.0.0.0/24"})",
                                 "name: 16 bytes"},
                      BadNetwork{R"({"name": "a b", "subnet": "10.0.0.0/24"})", "name: only letters"},
                      BadNetwork{R"({"name": ".n", "subnet": "10.0.0.0/24"})", "name: must not start"},
                      BadNetwork{R"({"name": "n", "subnet": "10.0.0/24"})", "is not an IPv4 subnet"},
                      BadNetwork{R"({"name": "n", "subnet": "10.0.0.0/40"})", "is not an IPv4 subnet"},
                      // The service's own checks come back as 400 too.
                      BadNetwork{R"({"name": "n", "subnet": "10.0.0.5/24"})", "host bits"},
                      BadNetwork{R"({"name": "n", "subnet": "10.0.0.0/31"})", "/31"}));

TEST_F(ApiNetworks, DuplicateNameOrOverlapIsA409) {
    add_net0();
    expect_error(post_network("net0", "10.1.0.0/24"), 409, "a network named 'net0' exists already");
    expect_error(post_network("net1", "10.0.0.0/16"), 409, "overlaps");
}

TEST_F(ApiNetworks, ListIsSortedByName) {
    EXPECT_EQ(parse_body(client().Get("/v1/networks")), (json{{"networks", json::array()}}));
    for (const auto& [name, subnet] :
         {std::pair{"zeta", "10.3.0.0/24"}, {"alpha", "10.1.0.0/24"}, {"mid", "10.2.0.0/24"}})
        ASSERT_EQ(post_network(name, subnet)->status, 201);
    json list = parse_body(client().Get("/v1/networks"));
    ASSERT_EQ(list["networks"].size(), 3u);
    EXPECT_EQ(list["networks"][0]["name"], "alpha");
    EXPECT_EQ(list["networks"][1]["name"], "mid");
    EXPECT_EQ(list["networks"][2]["subnet"], "10.3.0.0/24");
}

TEST_F(ApiNetworks, GetAndDelete) {
    add_net0();
    EXPECT_EQ(parse_body(client().Get("/v1/networks/net0"))["host_address"], "10.0.0.1");
    expect_error(client().Get("/v1/networks/nope"), 404, "no network named 'nope'");
    expect_error(client().Delete("/v1/networks/nope"), 404, "no network named 'nope'");
    auto r = client().Delete("/v1/networks/net0");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204);
    EXPECT_EQ(r->body, "");
    expect_error(client().Get("/v1/networks/net0"), 404, "no network");
}

TEST_F(ApiNetworks, WrongMethodsAre405AndOtherPaths404) {
    auto r = client().Put("/v1/networks", "{}", "application/json");
    expect_error(r, 405, "method PUT not allowed on /v1/networks");
    EXPECT_EQ(r->get_header_value("Allow"), "POST, GET");
    r = client().Post("/v1/networks/net0", "", "application/json");
    expect_error(r, 405, "not allowed");
    EXPECT_EQ(r->get_header_value("Allow"), "GET, DELETE");
    for (const char* path : {"/v1/networks/", "/v1/networks/net0/guests", "/v1/network"})
        expect_error(client().Get(path), 404, "no route");
}

TEST_F(ApiNetworks, GuestsGetTheNextAddressOrTheirOwn) {
    add_net0();
    json first = parse_body(post_guest({{"name", "a"}, {"net", "net0"}}));
    EXPECT_EQ(first["nic"], (json{{"network", "net0"},
                                  {"mac", "02:00:00:00:00:01"},
                                  {"ip", "10.0.0.2"},
                                  {"prefix_len", 24},
                                  {"gateway", "10.0.0.1"}}));
    EXPECT_EQ(parse_body(post_guest({{"name", "b"}, {"net", "net0"}}))["nic"]["ip"], "10.0.0.3");
    auto r = post_guest({{"name", "c"}, {"net", "net0"}, {"ip", "10.0.0.200"}});
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(parse_body(r)["nic"]["ip"], "10.0.0.200");
    EXPECT_EQ(service.last_request.net, "net0");
    EXPECT_EQ(service.last_request.ip, "10.0.0.200");
    EXPECT_EQ(parse_body(client().Get("/v1/guests/c"))["nic"]["ip"], "10.0.0.200");
    EXPECT_EQ(parse_body(client().Get("/v1/networks/net0"))["guests"], 3);
    EXPECT_TRUE(parse_body(post_guest({{"name", "d"}}))["nic"].is_null());
}

TEST_F(ApiNetworks, GuestAddressErrors) {
    add_net0();
    ASSERT_EQ(post_guest({{"name", "a"}, {"net", "net0"}, {"ip", "10.0.0.9"}})->status, 201);
    expect_error(post_guest({{"net", "net0"}, {"ip", "10.0.0.9"}}), 409, "10.0.0.9 is already in use");
    expect_error(post_guest({{"net", "net0"}, {"ip", "10.9.0.9"}}), 400, "outside the network's subnet");
    expect_error(post_guest({{"net", "net0"}, {"ip", "10.0.0.1"}}), 400, "the host's address");
    expect_error(post_guest({{"net", "nope"}}), 404, "no network named 'nope'");
    expect_error(post_guest({{"ip", "10.0.0.9"}}), 400, "ip: needs \"net\"");
    expect_error(post_guest({{"net", "net0"}, {"ip", "10.0.0.09"}}), 400, "ip: \"10.0.0.09\" is not an IPv4");
    expect_error(post_guest({{"net", "net0"}, {"ip", "10.0.0"}}), 400, "is not an IPv4 address");
    expect_error(post_guest({{"net", "net0"}, {"ip", 9}}), 400, "ip: expected a string");
    expect_error(post_guest({{"net", true}}), 400, "net: expected a string");
    expect_error(post_guest({{"net", "a/b"}}), 400, "net: only letters");
    EXPECT_EQ(service.list()->size(), 1u);
    EXPECT_EQ(parse_body(client().Get("/v1/networks/net0"))["guests"], 1);
}

TEST_F(ApiNetworks, ANetworkWithGuestsCannotBeRemovedUntilTheyAreDestroyed) {
    add_net0();
    ASSERT_EQ(post_guest({{"name", "a"}, {"net", "net0"}})->status, 201);
    expect_error(client().Delete("/v1/networks/net0"), 409, "still has 1 guest address");
    ASSERT_EQ(client().Delete("/v1/guests/a")->status, 200);
    EXPECT_EQ(parse_body(client().Get("/v1/networks/net0"))["guests"], 0);
    EXPECT_EQ(client().Delete("/v1/networks/net0")->status, 204);
}

// curl's body and status (its last line, from -w).
std::pair<std::string, int> curl(const std::string& socket, std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/curl", "-sS", "--unix-socket", socket, "-w", "\n%{http_code}", "-H",
                               "Content-Type: application/json"}); // sfd takes JSON bodies only as such
    std::string out = run_process(args).out;
    size_t split = out.rfind('\n');
    if (split == std::string::npos) return {out, 0};
    return {out.substr(0, split), std::atoi(out.c_str() + split + 1)};
}

TEST_F(ApiNetworks, CurlRoundTrip) {
    auto [created, created_status] = curl(
        socket_path, {"-d", R"({"name": "net0", "subnet": "192.168.7.0/24"})", "http://sfd/v1/networks"});
    EXPECT_EQ(created_status, 201) << created;
    EXPECT_EQ(json::parse(created, nullptr, false)["host_address"], "192.168.7.1");
    auto [guest, guest_status] = curl(
        socket_path, {"-d", json{{"image", image_path}, {"net", "net0"}}.dump(), "http://sfd/v1/guests"});
    EXPECT_EQ(guest_status, 201) << guest;
    EXPECT_EQ(json::parse(guest, nullptr, false)["nic"]["ip"], "192.168.7.2");
    auto [list, list_status] = curl(socket_path, {"http://sfd/v1/networks"});
    EXPECT_EQ(list_status, 200);
    EXPECT_EQ(json::parse(list, nullptr, false)["networks"][0]["guests"], 1);
    auto [busy, busy_status] = curl(socket_path, {"-X", "DELETE", "http://sfd/v1/networks/net0"});
    EXPECT_EQ(busy_status, 409) << busy;
    curl(socket_path, {"-X", "DELETE", "http://sfd/v1/guests/1"});
    auto [gone, gone_status] = curl(socket_path, {"-X", "DELETE", "http://sfd/v1/networks/net0"});
    EXPECT_EQ(gone_status, 204);
    EXPECT_EQ(gone, "");
    auto [bad, bad_status] = curl(socket_path, {"-d", R"({"name": "n"})", "http://sfd/v1/networks"});
    EXPECT_EQ(bad_status, 400);
    EXPECT_EQ(bad, "{\"error\":\"subnet: required (a CIDR such as \\\"10.0.0.0/24\\\")\"}\n");
}

} // namespace
