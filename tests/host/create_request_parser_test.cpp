// Unit tests: parsing of POST /v1/guests bodies and guest names, without a server.
#include "host/create_request_parser.h"

#include <gtest/gtest.h>

using sf::host::check_guest_name;
using sf::host::parse_create_request;

TEST(CreateRequestParser, DefaultsWhenOnlyTheImageIsGiven) {
    auto request = parse_create_request(R"({"image": "/guests/hello"})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->image, "/guests/hello");
    EXPECT_EQ(request->name, "");
    EXPECT_EQ(request->mem_size, 4u << 20);
    EXPECT_EQ(request->cmdline, "");
    EXPECT_TRUE(request->start);
    EXPECT_FALSE(request->wait_for_output);
    EXPECT_EQ(request->wait_timeout, std::chrono::milliseconds(10000));
}

TEST(CreateRequestParser, ReadsEveryField) {
    auto request =
        parse_create_request(R"({"image": "/g", "name": "web-1.a_b", "mem": "64M", "cmdline": "x y",
                                            "start": true, "wait": "output", "wait_timeout_ms": 1500})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->name, "web-1.a_b");
    EXPECT_EQ(request->mem_size, 64u << 20);
    EXPECT_EQ(request->cmdline, "x y");
    EXPECT_TRUE(request->wait_for_output);
    EXPECT_EQ(request->wait_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(parse_create_request(R"({"image": "/g", "mem": 8192})")->mem_size, 8192u);
    EXPECT_FALSE(parse_create_request(R"({"image": "/g", "wait": "none", "start": false})")->wait_for_output);
}

TEST(CreateRequestParser, ErrorsAreInvalidArgument) {
    auto request = parse_create_request(R"({"image": "/g", "extra": 1})");
    ASSERT_FALSE(request.ok());
    EXPECT_EQ(request.error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(parse_create_request("{").error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(parse_create_request("{").error().message.find("[json.exception"), std::string::npos);
}

TEST(GuestName, AcceptsTheDocumentedAlphabet) {
    for (const std::string& name :
         std::vector<std::string>{"a", "web", "Web-01", "a.b_c-d", "9lives", "_x", std::string(63, 'z')})
        EXPECT_TRUE(check_guest_name(name).ok()) << name;
}

TEST(GuestName, RefusesPathsDigitsAndOddCharacters) {
    for (const std::string& name : std::vector<std::string>{"", "a/b", "/", "..", ".hidden", "-rf", "12", "0",
                                                            "a b", "é", "a\tb", "a:b", std::string(64, 'z')})
        EXPECT_FALSE(check_guest_name(name).ok()) << name;
}

TEST(CreateRequestParser, NetAndIp) {
    auto request = parse_create_request(R"({"image": "/g", "net": "net0", "ip": "10.0.0.7"})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->net, "net0");
    EXPECT_EQ(request->ip, "10.0.0.7");
    request = parse_create_request(R"({"image": "/g", "net": "net0"})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->ip, "");
    EXPECT_EQ(parse_create_request(R"({"image": "/g"})")->net, "");
}

TEST(CreateRequestParser, NetAndIpErrorsNameTheField) {
    auto message = [](const std::string& body) {
        auto request = parse_create_request(body);
        return request.ok() ? std::string("accepted") : request.error().message;
    };
    EXPECT_EQ(message(R"({"image": "/g", "ip": "10.0.0.7"})"),
              "ip: needs \"net\" (the network the address is on)");
    EXPECT_EQ(message(R"({"image": "/g", "net": 1})"), "net: expected a string, got number");
    EXPECT_EQ(message(R"({"image": "/g", "net": ""})"), "net: must not be empty");
    EXPECT_EQ(message(R"({"image": "/g", "net": "n", "ip": 167772167})"),
              "ip: expected a string, got number");
    EXPECT_EQ(message(R"({"image": "/g", "net": "n", "ip": "10.0.0.300"})").rfind("ip: \"10.0.0.300\" is", 0),
              0u);
    EXPECT_EQ(message(R"({"image": "/g", "net": "n", "ip": "10.0.0.7; rm"})").rfind("ip: ", 0), 0u);
    EXPECT_NE(
        message(R"({"image": "/g", "bogus": 1})")
            .find(
                "(known: args, bundle, cmdline, image, ip, kind, mem, name, net, pids, rootfs, start, wait, "
                "wait_timeout_ms)"),
        std::string::npos);
}

TEST(CreateRequestParser, ContainerFields) {
    auto request = parse_create_request(
        R"({"kind": "container", "rootfs": "/r", "args": ["/bin/sh", "-c", "echo hi"], "pids": 10})");
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->kind, "container");
    EXPECT_EQ(request->rootfs, "/r");
    EXPECT_EQ(request->args, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
    EXPECT_EQ(request->pids, 10u);
    EXPECT_EQ(request->mem_size, sf::host::kDefaultContainerMem) << "a container's own default";
    EXPECT_EQ(parse_create_request(R"({"kind": "container", "bundle": "/b", "mem": "16M"})")->mem_size,
              16u << 20);
    EXPECT_EQ(parse_create_request(R"({"image": "/g"})")->kind, "vm");
}

TEST(CreateRequestParser, ContainerFieldsAreCheckedAgainstTheKind) {
    auto message = [](std::string_view body) { return parse_create_request(body).error().message; };
    EXPECT_EQ(message(R"({"kind": "pod", "image": "/g"})"),
              "kind: expected \"vm\" or \"container\", got \"pod\"");
    EXPECT_EQ(message(R"({"kind": "container"})"),
              "a container needs exactly one of \"bundle\" (an OCI bundle directory) and \"rootfs\"");
    EXPECT_EQ(message(R"({"kind": "container", "bundle": "/b", "rootfs": "/r"})"),
              "a container needs exactly one of \"bundle\" (an OCI bundle directory) and \"rootfs\"");
    EXPECT_NE(
        message(R"({"kind": "container", "rootfs": "/r", "image": "/g"})").find("image: not for a container"),
        std::string::npos);
    EXPECT_EQ(message(R"({"image": "/g", "rootfs": "/r"})"), "rootfs: only for \"kind\": \"container\"");
    EXPECT_EQ(message(R"({"image": "/g", "args": ["x"]})"), "args: only for \"kind\": \"container\"");
    EXPECT_EQ(message(R"({"kind": "container", "rootfs": "r"})"),
              "rootfs: expected an absolute path, got \"r\"");
    EXPECT_EQ(message(R"({"kind": "container", "rootfs": "/r", "args": "sh"})"),
              "args: expected an array of strings, got string");
    EXPECT_EQ(message(R"({"kind": "container", "rootfs": "/r", "args": [1]})"),
              "args[]: expected a string, got number");
    EXPECT_EQ(message(R"({"kind": "container", "rootfs": "/r", "args": [""]})"),
              "args: the program must not be empty");
    EXPECT_EQ(message(R"({"kind": "container", "rootfs": "/r", "pids": 0})"),
              "pids: expected a whole number from 1 to 1000000, got 0");
}
