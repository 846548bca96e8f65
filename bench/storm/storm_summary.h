// sf-bench storm: the figures of one boot storm and how they are reported.
//
// Pure functions over the per-guest samples and the host readings, so the
// arithmetic is unit-tested apart from any daemon.
#pragma once

#include "bench/storm/memory_parts.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

// One create request, by guest number (index 0 is guest 1).
struct StormSample {
    bool created = false;
    double client_ms = 0;            // sending the POST to receiving the 201
    std::optional<double> server_ms; // the guest object's first_output_ms
    uint64_t id = 0;                 // the guest's id, when created
};

// The store's figures in GET /v1/host: "store": {"backend", "records_written",
// "record_ms_mean" (a create's mean time writing its guest's record), ...}.
struct StoreReading {
    std::string backend; // "none": sfd keeps no records
    uint64_t records_written = 0;
    double record_ms_mean = 0; // over records_written
};

// The reading in a /v1/host object; nullopt if it has no "store" object (an
// older sfd) or a field has the wrong type. A missing count or mean is 0.
std::optional<StoreReading> parse_store_reading(const nlohmann::json& host);

// Readings taken around the create phase.
struct StormReadings {
    double total_s = 0;   // wall time of the create phase (the first round's)
    double destroy_s = 0; // wall time of the first round's destroys
    // Memory around each round's creates (--rounds; the first is the round
    // whose creation times are reported).
    std::vector<MemoryRound> memory;
    size_t later_rounds_failed = 0; // failed creates in rounds after the first
    double idle_cpu_pct = 0;
    double idle_cpu_tick_pct = 0; // one clock tick of idle_cpu_pct: its resolution
    // The same window before the creates, sfd started and no guest: the
    // machine's own idle load, measured in the same run.
    std::optional<double> idle_cpu_pct_before;
    // The daemon's own process tree (sfd and its workers), when sf-bench started it:
    std::optional<double> sfd_cpu_pct; // over the same window as idle_cpu_pct
    double sfd_cpu_tick_pct = 0;       // one clock tick of sfd_cpu_pct
    // sfd's store, read before the create phase and after it:
    std::optional<StoreReading> store_before, store_after;
};

// What the store cost the creates of this storm.
struct StoreFigures {
    std::string backend;
    uint64_t records = 0;      // written during the storm
    double record_ms_mean = 0; // their mean time (over the storm's records only, when read before too)
    double share = 0;          // record_ms_mean / the median creation time (client side)
};

struct StormSummary {
    size_t n = 0, created = 0, failed = 0;
    // Over the created guests; first and last are those of the lowest and
    // highest guest number created (guest 1 and guest N when all succeed).
    double first_ms = 0, median_ms = 0, p99_ms = 0, last_ms = 0, max_ms = 0;
    double total_s = 0;
    double destroy_s = 0; // the first round's destroys, wall time
    // MemAvailable's fall per created guest, the median over the rounds; may be
    // negative on a noisy host. Its parts and spread are in `memory`.
    double mem_per_guest_kib = 0;
    MemorySummary memory;
    size_t later_rounds_failed = 0;
    double idle_cpu_pct = 0;
    // One clock tick of idle_cpu_pct (/proc/stat's resolution over the window):
    // a figure below it is "< this", not the number.
    double idle_cpu_tick_pct = 0;
    std::optional<double> idle_cpu_pct_before; // the same window before the creates (no guest)
    std::optional<double> sfd_cpu_pct;         // sfd's process tree alone, over idle_cpu_pct's window
    // Not in the JSON: sfd's own server side times, less disturbed by other
    // load on the host.
    double server_median_ms = 0, server_p99_ms = 0;
    double sfd_cpu_tick_pct = 0;
    std::optional<StoreFigures> store; // when sfd reported its store after the storm
};

StormSummary summarize_storm(const std::vector<StormSample>& samples, const StormReadings& readings);

// The JSON summary: n, created, failed (of the first round), first_ms,
// median_ms, p99_ms, last_ms, max_ms, total_s, destroy_s and
// destroy_ms_per_guest (the first round's destroys), idle_cpu_pct,
// idle_cpu_tick_pct (all numbers; idle_cpu_pct below idle_cpu_tick_pct means
// "under one tick"), idle_cpu_pct_before and sfd_cpu_pct (null when not
// measured: no window before, or not our sfd), later_rounds_failed, and the memory keys of
// add_memory_json (mem_per_guest_kib, its parts and spread); with store
// figures also store_backend (a string), store_record_ms_mean and store_share.
nlohmann::json to_json(const StormSummary& summary);

// The human summary (several lines), with the targets and whether each is met
// (the VM storm's targets: `vm_targets` false leaves that line out, for a
// container storm, whose targets are in container_compare.h); with store
// figures a line on the store, its share against the 10%.
std::string format_text(const StormSummary& summary, bool vm_targets = true);

// The targets of the issue: last_ms <= 10, median_ms <= 2,
// mem_per_guest_kib <= 1024, idle_cpu_pct <= 5, and failed == 0 (in every round). (The
// store's target, <= 10% of creation time, is judged against a storm without
// the store; store_share is shown beside it but is not one of these.)
bool meets_targets(const StormSummary& summary);

} // namespace sf::bench
