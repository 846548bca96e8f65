// sf-bench net: configuring a network interface by ioctl, for the baselines
// (sf-hostnet's TAP, sf-linuxnet's veth and loopback): an IPv4 address with
// its netmask, the link up, IPv6 off (so that the only frames on the link are
// the benchmark's own). Needs CAP_NET_ADMIN in the interface's namespace.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>

namespace sf::bench {

// Gives `name` the address `ip`/`prefix_len` (host byte order; prefix 1-30),
// turns IPv6 off on it (where the kernel has IPv6) and brings it up.
Result<void> configure_ipv4_link(const std::string& name, uint32_t ip, unsigned prefix_len);

// Brings `name` up (IFF_UP), nothing else: for `lo` in a new namespace.
Result<void> bring_link_up(const std::string& name);

} // namespace sf::bench
