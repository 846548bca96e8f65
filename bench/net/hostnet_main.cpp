// sf-hostnet: the host baseline of `sf-bench net` (see hostnet_loop.h).
//
//   sf-hostnet --tap NAME --host-address 10.78.0.1/24 [--ip 10.78.0.2]
//
// Creates TAP NAME with the host side at --host-address, runs the guests' IP
// stack at --ip (default: the next address) with the guests' apps on it (UDP
// echo on port 7, HTTP on port 80; ICMP echo is the stack's own), prints one
// "sf-hostnet: ready ..." line on stdout once it serves, and runs until
// SIGTERM or SIGINT; then it prints the stack's counters on stderr.
#include "bench/net/hostnet_apps.h"
#include "bench/net/hostnet_loop.h"
#include "bench/net/net_parsers.h"

#include "net/ipv4_address.h"
#include "sf/net/stack.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>

namespace {

struct Options {
    std::string tap, host_address, ip;
};

sf::bench::HostNetLoop* g_loop = nullptr;

void on_signal(int) {
    if (g_loop != nullptr) g_loop->stop();
}

void install_signal_handlers() {
    struct sigaction action = {};
    action.sa_handler = on_signal; // no SA_RESTART: poll() returns at once
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
}

void print_stats(const sf::bench::HostNetLoop& loop) {
    const sf::net::Stats& s = loop.stats();
    fmt::print(stderr,
               "sf-hostnet: rx {} tx {} frames; icmp echo replies {}; dropped: not for us {}, checksum {}, "
               "udp no socket {}, tcp syn flood {}, tap writes {}\n",
               s.rx_frames, s.tx_frames, s.icmp_echo_replies, s.drop_not_for_us, s.drop_bad_checksum,
               s.drop_udp_no_socket, s.drop_tcp_syn_flood, loop.dropped_writes());
}

sf::Result<void> run(const Options& o) {
    using namespace sf::bench;
    SF_TRY_ASSIGN(InterfaceAddress host, parse_interface_address(o.host_address));
    uint32_t stack_ip = host.ip + 1;
    if (!o.ip.empty()) {
        SF_TRY_ASSIGN(sf::net::Ipv4Address ip, sf::net::Ipv4Address::parse(o.ip));
        stack_ip = ip.value();
    }
    HostNetConfig config;
    config.stack_ip = stack_ip;
    config.prefix_len = host.prefix_len;
    config.gateway = host.ip;
    SF_TRY_ASSIGN(auto tap, TapDevice::open(o.tap, host.ip, host.prefix_len));
    SF_TRY_ASSIGN(auto loop, HostNetLoop::create(std::move(tap), config, make_host_apps()));
    g_loop = loop.get();
    install_signal_handlers();
    fmt::print("sf-hostnet: ready: TAP {} at {}, stack at {}, apps: {}\n", o.tap, to_string(host),
               sf::net::Ipv4Address(stack_ip).to_string(), host_app_names());
    std::fflush(stdout);
    auto ran = loop->run();
    g_loop = nullptr;
    print_stats(*loop);
    return ran;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"sf-hostnet: the guests' IP stack and apps as a host process on a TAP device "
                 "(the baseline of sf-bench net; run it inside scripts/testns)"};
    Options o;
    app.add_option("--tap", o.tap, "TAP device to create")->required();
    app.add_option("--host-address", o.host_address, "The TAP's host-side address, e.g. 10.78.0.1/24")
        ->required();
    app.add_option("--ip", o.ip, "The stack's address (default: the host-side address + 1)");
    CLI11_PARSE(app, argc, argv);
    auto ran = run(o);
    if (!ran) {
        fmt::print(stderr, "sf-hostnet: {}\n", ran.error().message);
        return 1;
    }
    return 0;
}
