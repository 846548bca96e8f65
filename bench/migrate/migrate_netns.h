// sf-bench migrate: work done inside another network namespace (a test
// host's or the client's, made by scripts/testhosts) from this process.
//
// A socket belongs to the namespace of the thread that opened it, for its
// whole life, whichever thread uses it later. So the probes open their
// sockets (and listen or connect) on a short-lived thread that has joined the
// namespace with setns(2), then use them from their own threads: no child
// process, no `ip netns exec`.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <functional>
#include <string>

namespace sf::bench {

// Runs `fn` on a new thread that has joined network namespace `ns` (a name in
// /run/netns, or a path), waits for it and returns its result.
Result<void> run_in_netns(const std::string& ns, const std::function<Result<void>()>& fn);

// Wall-clock now in ns (CLOCK_REALTIME: the clock of the kernel's packet
// time stamps, SO_TIMESTAMPNS), for the probes' observations.
int64_t wall_ns();

// "a.b.c.d" to a host-order address.
Result<uint32_t> parse_ipv4(const std::string& text);

} // namespace sf::bench
