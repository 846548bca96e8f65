// sf-bench store: per-request latency, one client with one request in flight.
//
// For `seconds`, one connection sends a request, waits for its reply, and
// sends the next: READ of a random leaf of a random guest, or WRITE of a
// random leaf of a random guest (the keys of store_load.h's loads, with
// nothing queued behind them). Each request's time from send to reply, in
// microseconds, is kept; error replies are counted, and their times kept too
// (an error is an answer the client waited for).
//
// summarize_latency() reduces the samples to nearest-rank percentiles.
#pragma once

#include "bench/store/store_load.h"
#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sf::bench {

struct LatencySamples {
    std::vector<double> us; // one per reply, in the order sent
    uint64_t errors = 0;    // error replies among them
};

// Runs one client for spec.seconds against spec.guests guests (spec.clients
// and spec.window are not used: one connection, one request in flight);
// appends to `samples`. Reads or writes only; an error if no reply comes
// within 10 s or the store closes the connection.
Result<void> measure_latency(LoadKind kind, const LoadSpec& spec, LatencySamples& samples);

struct LatencySummary {
    uint64_t count = 0;
    double p50 = 0, p90 = 0, p99 = 0, p99_9 = 0, max = 0; // microseconds; all 0 without samples
};

LatencySummary summarize_latency(std::vector<double> us);
// {"count", "p50", "p90", "p99", "p99_9", "max"}, times rounded to 0.1 us.
nlohmann::json to_json(const LatencySummary& summary);

} // namespace sf::bench
