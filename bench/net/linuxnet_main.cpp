// sf-linuxnet: the Linux baseline of `sf-bench net`: Linux's own network
// stack serving the guests' UDP echo and HTTP answers (linux_servers.h).
//
//   sf-linuxnet --interface NAME --address 10.79.0.2/24
//
// Moves itself into a network namespace of its own (unshare), brings its
// loopback up, opens the servers (UDP 7, TCP 80 on every address), waits (up
// to 10 s, on netlink link events) until interface NAME appears in that
// namespace (sf-bench moves one end of a veth pair there: `ip link add A type
// veth peer name NAME netns PID`), gives it --address, prints one
// "sf-linuxnet: ready ..." line on stdout and serves until SIGTERM or SIGINT;
// then prints its counters on stderr. The namespace, and with it the veth
// pair, ends with the process. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).
#include "bench/net/link_config.h"
#include "bench/net/linux_servers.h"
#include "bench/net/net_parsers.h"

#include "common/unique_fd.h"
#include "net/ipv4_address.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string interface, address;
};

// Waits until interface `name` exists in this namespace, woken by netlink's link events.
sf::Result<void> wait_for_interface(const std::string& name, std::chrono::milliseconds timeout) {
    sf::UniqueFd netlink(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (!netlink.valid()) return sf::error("netlink socket: {}", std::strerror(errno));
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_LINK;
    if (::bind(netlink.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0)
        return sf::error("netlink bind: {}", std::strerror(errno));
    const Clock::time_point give_up = Clock::now() + timeout;
    for (;;) {
        if (::if_nametoindex(name.c_str()) != 0) return sf::ok();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now());
        if (left.count() <= 0)
            return sf::error("interface {} did not appear within {} ms", name, timeout.count());
        pollfd p{netlink.get(), POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
        char drain[8192];
        while (::recv(netlink.get(), drain, sizeof drain, 0) > 0) {
        }
    }
}

sf::Result<void> run(const Options& o) {
    using namespace sf::bench;
    SF_TRY_ASSIGN(InterfaceAddress address, parse_interface_address(o.address));
    if (::unshare(CLONE_NEWNET) < 0) return sf::error("unshare(CLONE_NEWNET): {}", std::strerror(errno));
    SF_TRY(bring_link_up("lo"));
    SF_TRY_ASSIGN(auto servers, LinuxServers::open());
    SF_TRY(wait_for_interface(o.interface, std::chrono::seconds(10)));
    SF_TRY(configure_ipv4_link(o.interface, address.ip, address.prefix_len));
    fmt::print(
        "sf-linuxnet: ready: {} at {} in a namespace of its own, apps: udp-echo:7 http:80 (Linux's stack)\n",
        o.interface, to_string(address));
    std::fflush(stdout);
    SF_TRY(servers->run());
    const LinuxServerStats& s = servers->stats();
    fmt::print(
        stderr,
        "sf-linuxnet: udp echoed {} (send failed {}); http connections {}, answers {}, bad requests {}\n",
        s.udp_echoed, s.udp_send_failed, s.http_connections, s.http_answers, s.http_bad_requests);
    return sf::ok();
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sf-linuxnet: UDP echo (port 7) and HTTP (port 80) on Linux's own stack, in a network "
                 "namespace of its own reached over a veth (the Linux baseline of sf-bench net)"};
    Options o;
    app.add_option("--interface", o.interface, "Interface to wait for in the new namespace and configure")
        ->required();
    app.add_option("--address", o.address, "Its address, e.g. 10.79.0.2/24")->required();
    CLI11_PARSE(app, argc, argv);
    auto ran = run(o);
    if (!ran) {
        fmt::print(stderr, "sf-linuxnet: {}\n", ran.error().message);
        return 1;
    }
    return 0;
}
