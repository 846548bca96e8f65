// sf-bench net: measurements; see net_measure.h.
#include "bench/net/net_measure.h"

#include "bench/common/child_process.h"
#include "bench/net/net_parsers.h"
#include "bench/net/udp_echo_client.h"

#include "net/ipv4_address.h"

#include <fmt/format.h>

#include <cmath>

namespace sf::bench {
namespace {

std::string dotted(uint32_t ip) {
    return net::Ipv4Address(ip).to_string();
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

} // namespace

Result<void> measure_ping(uint32_t ip, const MeasureOptions& o, NetSamples& samples) {
    const std::vector<std::string> argv = {
        "ping", "-n", "-c",      std::to_string(o.ping_count), "-i", fmt::format("{:g}", o.ping_interval_s),
        "-W",   "1",  dotted(ip)};
    const double expected_s = o.ping_count * o.ping_interval_s + 1;
    SF_TRY_ASSIGN(CommandOutput out, run_command(argv, seconds_to_ms(expected_s * 3 + 10)));
    if (out.timed_out) return error("ping {}: did not finish in time", dotted(ip));
    auto counts = parse_ping_counts(out.output);
    if (!counts)
        return error("ping {} (status {}): {}\n{}", dotted(ip), out.exit_status, counts.error().message,
                     out.output);
    const std::vector<double> times = parse_ping_times(out.output);
    if (times.empty()) return error("ping {}: no replies", dotted(ip));
    samples.pings_sent += counts->transmitted;
    samples.ping_ms.insert(samples.ping_ms.end(), times.begin(), times.end());
    return ok();
}

Result<void> measure_udp(uint32_t ip, const MeasureOptions& o, NetSamples& samples) {
    UdpEchoOptions options;
    options.ip = ip;
    options.duration = seconds_to_ms(o.duration_s);
    options.window = o.udp_window;
    SF_TRY_ASSIGN(UdpEchoResult result, run_udp_echo(options));
    if (result.echoed == 0) return error("UDP echo {}:7: no datagram came back", dotted(ip));
    samples.udp_pps.push_back(result.echoes_per_second());
    samples.udp_written_off += result.written_off;
    return ok();
}

Result<void> measure_http(uint32_t ip, const MeasureOptions& o, NetSamples& samples) {
    const int seconds = static_cast<int>(std::ceil(o.duration_s));
    const std::vector<std::string> argv = {
        "wrk",       "-t1", fmt::format("-c{}", o.wrk_connections), fmt::format("-d{}s", seconds),
        "--timeout", "2s",  fmt::format("http://{}/", dotted(ip))};
    SF_TRY_ASSIGN(CommandOutput out, run_command(argv, std::chrono::seconds(seconds + 20)));
    if (out.timed_out) return error("wrk {}: did not finish in time", dotted(ip));
    auto report = parse_wrk(out.output);
    if (!report || out.exit_status != 0)
        return error("wrk {} (status {}): {}\n{}", dotted(ip), out.exit_status,
                     report ? "failed" : report.error().message, out.output);
    if (report->requests == 0) return error("wrk {}: no request answered\n{}", dotted(ip), out.output);
    samples.http_rps.push_back(report->requests_per_sec);
    samples.http_errors += report->socket_errors + report->non_2xx;
    return ok();
}

} // namespace sf::bench
