// sf-bench net: the figures of one run and how they are reported.
//
// Pure functions over the measured samples, so the arithmetic and the JSON
// are unit-tested apart from any guest or tool.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sf::bench {

// What was measured against one side (the guests, or the host process).
struct NetSamples {
    std::vector<double> ping_ms; // every reply's round trip, over all runs
    uint64_t pings_sent = 0;
    std::vector<double> udp_pps;  // one per run
    uint64_t udp_written_off = 0; // datagrams given up as lost, all runs
    std::vector<double> http_rps; // one per run
    uint64_t http_errors = 0;     // wrk's socket errors and non-2xx answers, all runs
};

struct NetSideFigures {
    double ping_rtt_ms = 0, ping_p90_ms = 0; // median and p90 of all replies
    double ping_loss_pct = 0;
    double udp_pps = 0, http_rps = 0; // medians over the runs
    uint64_t udp_written_off = 0, http_errors = 0;
};

struct NetFigures {
    int runs = 0;
    double duration_s = 0;
    NetSideFigures guest, host;
    double ratio_udp = 0, ratio_http = 0; // guest / host process; 0 if the host figure is 0
    double ratio_ping = 0;                // guest rtt / host rtt
};

NetFigures summarize_net(const NetSamples& guest, const NetSamples& host, int runs, double duration_s);

// ping_rtt_ms, udp_pps, http_rps, host_ping_rtt_ms, host_udp_pps,
// host_http_rps, ratio_udp, ratio_http, and more beside them.
nlohmann::json to_json(const NetFigures& figures);

// A table with a line per measurement, guest beside host, and the target.
std::string format_text(const NetFigures& figures);

// The target of the issue: ratio_http >= 0.5.
bool meets_targets(const NetFigures& figures);

} // namespace sf::bench
