// sf-bench net: the figures of one run and how they are reported.
//
// Three sides are measured in the same run: the guests; sf-hostnet, the
// guests' own IP stack and apps as a host process on a TAP (the cost of
// virtualisation alone); and sf-linuxnet, Linux's kernel stack with an epoll
// server answering as the guests do, over a veth (the cost against what a
// Linux host gives). A round of a measurement that fails (ping with no reply,
// no UDP echo, wrk failing) is counted as failed on its side and left out of
// that side's median; the counts are in the JSON and the text.
//
// Pure functions over the measured samples, so the arithmetic and the JSON
// are unit-tested apart from any guest or tool.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sf::bench {

// What was measured against one side.
struct NetSamples {
    std::vector<double> ping_ms; // every reply's round trip, over all runs
    uint64_t pings_sent = 0;
    std::vector<double> udp_pps;                          // one per run that did not fail
    uint64_t udp_written_off = 0;                         // datagrams given up as lost, all runs
    std::vector<double> http_rps;                         // one per run that did not fail
    uint64_t http_errors = 0;                             // wrk's socket errors and non-2xx answers, all runs
    int ping_failed = 0, udp_failed = 0, http_failed = 0; // rounds that failed (not in the figures)
};

struct NetSideFigures {
    double ping_rtt_ms = 0, ping_p90_ms = 0; // median and p90 of all replies
    double ping_loss_pct = 0;
    double udp_pps = 0, http_rps = 0; // medians over the runs that did not fail
    uint64_t udp_written_off = 0, http_errors = 0;
    int ping_failed = 0, udp_failed = 0, http_failed = 0;
};

struct NetFigures {
    int runs = 0;
    double duration_s = 0;
    NetSideFigures guest, host, linux_stack;
    // Guest / baseline (rtt: guest rtt / baseline rtt); 0 where the baseline's figure is 0.
    double ratio_udp = 0, ratio_http = 0, ratio_ping = 0;                   // / sf-hostnet
    double ratio_udp_linux = 0, ratio_http_linux = 0, ratio_ping_linux = 0; // / sf-linuxnet
    int failed() const;                                                     // failed rounds, all sides
};

NetFigures summarize_net(const NetSamples& guest, const NetSamples& host, const NetSamples& linux_stack,
                         int runs, double duration_s);

// ping_rtt_ms, ping_p90_ms, ping_loss_pct, udp_pps, udp_lost, http_rps,
// http_errors, ping_failed, udp_failed, http_failed for the guests; the same
// with a host_ prefix (sf-hostnet) and a linux_ prefix (sf-linuxnet);
// ratio_ping, ratio_udp, ratio_http (guest / sf-hostnet), ratio_ping_linux,
// ratio_udp_linux, ratio_http_linux (guest / Linux); failed (all sides);
// runs, duration_s.
nlohmann::json to_json(const NetFigures& figures);

// A table with a line per measurement, the three sides and the two ratios,
// the failed rounds, and the target.
std::string format_text(const NetFigures& figures);

// The target of the issue: ratio_http >= 0.5.
bool meets_targets(const NetFigures& figures);

} // namespace sf::bench
