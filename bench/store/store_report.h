// sf-bench store: the figures of one run and how they are reported.
//
// Pure functions over what was measured, so the JSON keys, the text and the
// error accounting are unit-tested apart from any store.
#pragma once

#include "bench/store/store_latency.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace sf::bench {

// How the run was made (from the command line).
struct StoreRunInfo {
    std::string backend = "mem";
    int clients = 4, window = 32, runs = 3, guests = 10000, watchers = 10000, watch_connections = 10;
    double seconds = 2;
};

// Error replies (EAGAIN commits excluded) and conflicts (EAGAIN commits), by phase.
struct StoreErrorCounts {
    uint64_t populate_errors = 0, populate_conflicts = 0;
    uint64_t read_errors = 0, write_errors = 0, txn_errors = 0, txn_conflicts = 0;
    uint64_t latency_read_errors = 0, latency_write_errors = 0;
    std::string populate_first_error; // the first failed write of the populate step, if any

    uint64_t errors() const;
    uint64_t conflicts() const { return populate_conflicts + txn_conflicts; }
};

struct StoreFigures {
    double read_ops_s = 0, write_ops_s = 0, txn_commits_s = 0; // medians over the runs, pipelined
    double watch_fanout_ms = 0;
    LatencySummary read_latency_us, write_latency_us; // one client, one request in flight
    StoreErrorCounts counts;
    double populate_s = 0;
};

// read_ops_s, write_ops_s, txn_commits_s, watch_fanout_ms, read_latency_us and
// write_latency_us (LatencySummary objects), errors and conflicts (totals),
// the per-phase counts of StoreErrorCounts under their member names,
// populate_s, backend, clients, window, runs, seconds, guests.
nlohmann::json to_json(const StoreFigures& figures, const StoreRunInfo& info);

// The table a person reads: throughput with its targets, the latency
// percentiles, and a line of error and conflict counts (printed also when 0).
std::string format_text(const StoreFigures& figures, const StoreRunInfo& info);

} // namespace sf::bench
