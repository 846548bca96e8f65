// sf-bench migrate: live migration of a guest with a NIC between two test
// hosts, while a client pings it every 0.2 ms and counts over one TCP
// connection (the paper's migration figure; docs/migration.md).
//
// For each K in --guests-on-source: two test hosts (scripts/testhosts, links
// shaped to --rate, delayed by --delay ms each way with netem, the client's
// pings in an ICMP band of their own unless --ping-path shared), an sfd in each host's namespace (migration
// listener on its address, one token file), network `edge` (10.77.0.0/24) on both with its uplink on the
// segment, K - 1 idle guests on the source; then --runs migrations of a fresh kvcount guest (migrate_run.h).
// Medians, baselines (a plain create of the same guest on the destination; the raw TCP transfer of the bytes
// sent), targets, JSON, plot; the rate as shaped beside the throughput measured (migration stream, raw TCP)
// and the ping RTT.
//
// Needs root. Every host set is torn down on every exit path (error, first
// Ctrl-C); the sfds never outlive sf-bench.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_migrate_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
