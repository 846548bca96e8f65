// sf-bench store: the store's throughput, latency and watch fan-out over its socket.
//
// Starts its own build/bin/sfstore (private socket; a private data directory
// for --backend lmdb), loads it like `--guests` guests of sfd (17 nodes each,
// store_layout.h; every write's reply checked, store_populate.h), then
// measures with `--clients` connections in parallel threads, each pipelining
// 32 requests: reads/s, writes/s and transaction commits/s (store_load.h);
// with one connection and one request in flight, each read's and write's
// time to its reply (store_latency.h); and the time for one write to reach
// 10,000 watchers (store_watch_fanout.h). Rates are the median of --runs; the
// latency percentiles are over the requests of all runs.
//
// Prints a table, or with --json one object (store_report.h has the keys).
// Every error reply and conflict is counted, by phase, in both; the exit
// status is 1 when any reply was an error (the figures are printed anyway).
#pragma once

#include <CLI/CLI.hpp>

namespace sf::bench {

void add_store_command(CLI::App& app, int& exit_code);

} // namespace sf::bench
