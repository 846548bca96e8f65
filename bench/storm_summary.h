// sf-bench storm: the figures of one boot storm and how they are reported.
//
// Pure functions over the per-guest samples and the host readings, so the
// arithmetic is unit-tested apart from any daemon.
#pragma once

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

// Readings taken around the create phase.
struct StormReadings {
    double total_s = 0;                // wall time of the create phase
    uint64_t mem_available_before = 0; // bytes
    uint64_t mem_available_after = 0;  // bytes
    double idle_cpu_pct = 0;
    // The daemon's own process tree (sfd and its workers), when sf-bench started it:
    std::optional<uint64_t> sfd_pss_before, sfd_pss_after; // bytes
    std::optional<double> sfd_cpu_pct;                     // over the same window as idle_cpu_pct
};

struct StormSummary {
    size_t n = 0, created = 0, failed = 0;
    // Over the created guests; first and last are those of the lowest and
    // highest guest number created (guest 1 and guest N when all succeed).
    double first_ms = 0, median_ms = 0, p99_ms = 0, last_ms = 0, max_ms = 0;
    double total_s = 0;
    double mem_per_guest_kib = 0; // (before - after) / created; may be negative on a noisy host
    double idle_cpu_pct = 0;
    // Not in the JSON: sfd's own figures (server side times; its process tree's
    // PSS growth per guest and CPU use), less disturbed by other load on the host.
    double server_median_ms = 0, server_p99_ms = 0;
    std::optional<double> sfd_pss_per_guest_kib, sfd_cpu_pct;
};

StormSummary summarize_storm(const std::vector<StormSample>& samples, const StormReadings& readings);

// The JSON summary: exactly n, created, failed, first_ms, median_ms, p99_ms,
// last_ms, max_ms, total_s, mem_per_guest_kib, idle_cpu_pct (all numbers).
nlohmann::json to_json(const StormSummary& summary);

// The human summary (several lines), with the targets and whether each is met.
std::string format_text(const StormSummary& summary);

// The targets of the issue: last_ms <= 10, median_ms <= 2,
// mem_per_guest_kib <= 1024, idle_cpu_pct <= 5, and failed == 0.
bool meets_targets(const StormSummary& summary);

} // namespace sf::bench
