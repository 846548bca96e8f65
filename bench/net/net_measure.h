// sf-bench net: the three measurements, each against one address, each
// adding its samples to a NetSamples: ping round trips with Linux's own
// `ping`, UDP echo datagrams/s with udp_echo_client, HTTP requests/s with
// `wrk` (keep-alive, GET /).
#pragma once

#include "bench/net/net_report.h"

#include "common/result.h"

#include <cstdint>

namespace sf::bench {

struct MeasureOptions {
    double duration_s = 3; // of each UDP and HTTP measurement
    int ping_count = 200;  // echo requests per ping run
    double ping_interval_s = 0.002;
    int udp_window = 16; // datagrams in flight
    int wrk_connections = 4;
};

Result<void> measure_ping(uint32_t ip, const MeasureOptions& o, NetSamples& samples);
Result<void> measure_udp(uint32_t ip, const MeasureOptions& o, NetSamples& samples);
Result<void> measure_http(uint32_t ip, const MeasureOptions& o, NetSamples& samples);

} // namespace sf::bench
