// sf-bench store: the store's throughput and watch fan-out over its socket.
//
// Starts its own build/bin/sfstore (private socket; a private data directory
// for --backend lmdb), loads it like `--guests` guests of sfd (17 nodes each,
// store_layout.h), then measures with `--clients` connections in parallel
// threads, each pipelining 32 requests: reads/s, writes/s and transaction
// commits/s (store_load.h), and the time for one write to reach 10,000
// watchers (store_watch_fanout.h). Each figure is the median of --runs.
//
// Prints a table, or with --json one object: read_ops_s, write_ops_s,
// txn_commits_s, watch_fanout_ms, backend, clients, guests.
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_store_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
