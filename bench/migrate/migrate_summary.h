// sf-bench migrate: the figures of the runs and how they are reported (pure
// functions over the samples, unit-tested apart from any daemon).
#pragma once

#include "bench/migrate/migrate_shaping.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

// One migration of the kvcount guest.
struct MigrateSample {
    bool ok = false;                   // the API answered 200
    std::string error;                 // why not, when !ok
    double total_ms = 0;               // client side: the POST sent to the reply received
    std::optional<double> downtime_ms; // the largest ping gap around the migration (client side)
    bool pings_resumed = false;        // a reply came after the migration (else downtime is a lower bound)
    // Where that gap lies, from the POST sent: its last reply before and first reply after (ms).
    double gap_start_ms = 0, gap_end_ms = 0;
    double server_total_ms = 0, server_downtime_ms = 0; // sfd's own figures in the reply
    uint64_t bytes_sent = 0, rounds = 0;
    nlohmann::json server_phases; // sfd's "phases" (worker and receiver figures), as it gave them
    bool connection_kept = false; // the same TCP connection answered after it, counter continuous
    std::string connection_problem;
    double tcp_gap_ms = 0;  // the largest gap between two INCR replies around the migration
    double send_gap_ms = 0; // the largest gap between two of our own echo requests then (client stalls)
    uint64_t pings_sent = 0, pings_answered = 0, increments = 0;
    std::optional<double> ping_rtt_ms; // the median echo round trip before the migration
    // Baselines measured in the same run:
    std::optional<double> create_ms;   // a plain create of the same guest on the destination
    std::optional<double> transfer_ms; // raw TCP transfer of bytes_sent between the hosts
};

// All runs with K guests resident on the source.
struct MigrateRow {
    int guests_on_source = 0;
    std::vector<MigrateSample> samples;
};

// Medians over the successful samples of a row (nullopt: none succeeded).
struct MigrateRowSummary {
    int guests_on_source = 0;
    size_t runs = 0, succeeded = 0;
    std::optional<double> total_ms, downtime_ms, bytes_sent, server_total_ms, server_downtime_ms, tcp_gap_ms;
    std::optional<double> create_ms, transfer_ms;
    std::optional<double> stream_mbit_s, transfer_mbit_s, ping_rtt_ms; // see below
    bool connection_kept = false; // in every run (false when a run failed)
};

MigrateRowSummary summarize_row(const MigrateRow& row);

// The measured throughput of the migration stream, Mbit/s: bytes_sent over
// the time the receiver took to read them (server_phases.receiver.read_ms:
// from reading the guest part's first record to its end). It includes any
// wait for the sender, so it is a lower bound of what the link carried. (The
// sender's own phases are not used: it writes into socket buffers and the
// shaper's burst, and can read faster than the link.) nullopt without it.
std::optional<double> stream_mbit_s(const MigrateSample& sample);
// The raw TCP baseline's: bytes_sent over transfer_ms; nullopt without them.
std::optional<double> transfer_mbit_s(const MigrateSample& sample);

nlohmann::ordered_json to_json(const MigrateSample& sample);
// {"rate": R, "runs": [{"guests_on_source", "total_ms", "downtime_ms",
// "bytes_sent", "connection_kept", "stream_mbit_s", "transfer_mbit_s",
// "ping_rtt_ms", "samples": [...]}, ...]}; medians are null when no run of
// that K succeeded (or, for the last three, when not measured). Keys in that
// order. Each sample has the same three figures.
nlohmann::ordered_json migrate_json(const std::string& rate, const std::vector<MigrateRow>& rows);

struct TargetVerdict {
    std::string what; // e.g. "total_ms <= 10 at K = 1000"
    bool met = false;
    std::string detail; // the figure
};

// The targets for `rate`: at 10gbit total_ms <= 10 and downtime_ms <= 5 for
// every K, each flat within 1.2x (largest median over the smallest) across
// the K measured; at 1gbit total_ms <= 40; at any rate the connection kept.
// Other rates: the connection only.
std::vector<TargetVerdict> check_targets(const std::string& rate, const std::vector<MigrateRowSummary>& rows);

// The lines saying what the rate and the client's downtime are: the rate as
// shaped (a tc limit) beside the throughput measured per K, the delay and the
// ping RTT, and which path the pings took (their own ICMP band, or sharing
// the shaped queues with the migration stream).
std::string format_links(const LinkShaping& shaping, const std::vector<MigrateRowSummary>& rows);

// The human table, the baselines as ratios, and the targets (several lines).
std::string format_report(const std::string& rate, const std::vector<MigrateRowSummary>& rows,
                          const std::vector<TargetVerdict>& verdicts);

} // namespace sf::bench
