// sf-bench net: guest networking against a host process doing the same work.
//
// Starts its own sfd (private socket) with a network and three guests (ping,
// udpecho, httpd) on it, and sf-hostnet (the same IP stack and apps as a
// host process) on a TAP of its own; then measures both sides the same way:
// ping round trips (Linux's ping), UDP echo datagrams/s (a windowed client),
// HTTP requests/s (wrk). Reports medians and guest/host ratios.
//
// Needs root. It runs inside a private network namespace: started outside
// one, it runs itself again under scripts/testns (see common/private_netns.h), so
// every address it creates exists only there.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_net_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
