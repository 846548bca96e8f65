// sf-bench net: guest networking against two baselines measured the same way.
//
// Starts its own sfd (private socket) with a network and three guests (ping,
// udpecho, httpd) on it; sf-hostnet (the same IP stack and apps as a host
// process) on a TAP of its own; and sf-linuxnet (Linux's kernel stack, an
// epoll UDP echo and HTTP server answering as the guests do) in a namespace
// of its own behind a veth (linux_target.h). Then measures the three sides
// the same way: ping round trips (Linux's ping), UDP echo datagrams/s (a
// windowed client), HTTP requests/s (wrk). Reports medians, guest/host and
// guest/Linux ratios, and the rounds that failed (exit status 1 if any).
//
// Needs root. It runs inside a private network namespace: started outside
// one, it runs itself again under scripts/testns (see common/private_netns.h), so
// every address it creates exists only there.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_net_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
