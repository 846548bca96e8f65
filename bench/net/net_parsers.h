// sf-bench net: parsers of what the network benchmarks read: interface
// addresses given on the command line, and the output of Linux's `ping` and
// of `wrk`. Pure functions over text, unit-tested apart from any tool.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sf::bench {

// "10.78.0.1/24": an address with its prefix length (1-30), host byte order.
struct InterfaceAddress {
    uint32_t ip = 0;
    unsigned prefix_len = 0;
};
Result<InterfaceAddress> parse_interface_address(std::string_view text);
std::string to_string(const InterfaceAddress& address);

// The round-trip times (ms) of the replies in `ping -n` output, one per
// "... icmp_seq=N ttl=T time=X ms" line, in order; duplicates ("(DUP!)") skipped.
std::vector<double> parse_ping_times(std::string_view output);

// The "N packets transmitted, M received" line of ping's summary.
struct PingCounts {
    uint64_t transmitted = 0, received = 0;
};
Result<PingCounts> parse_ping_counts(std::string_view output);

// What sf-bench takes from wrk's report.
struct WrkReport {
    double requests_per_sec = 0; // "Requests/sec: X"
    uint64_t requests = 0;       // "N requests in 3.00s, ..."
    uint64_t socket_errors = 0;  // "Socket errors: connect A, read B, write C, timeout D": A+B+C+D
    uint64_t non_2xx = 0;        // "Non-2xx or 3xx responses: N"
};
Result<WrkReport> parse_wrk(std::string_view output);

} // namespace sf::bench
