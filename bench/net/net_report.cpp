// sf-bench net: summary and report; see net_report.h.
#include "bench/net/net_report.h"

#include "bench/common/stats.h"

#include <fmt/format.h>

namespace sf::bench {
namespace {

constexpr double kTargetRatioHttp = 0.5;

double median_of(const std::vector<double>& samples) {
    return summarize(samples).median;
}

double ratio(double over, double under) {
    return under > 0 ? over / under : 0;
}

NetSideFigures side_figures(const NetSamples& s) {
    NetSideFigures f;
    const Summary ping = summarize(s.ping_ms);
    f.ping_rtt_ms = ping.median;
    f.ping_p90_ms = ping.p90;
    if (s.pings_sent > 0) {
        const double lost = static_cast<double>(s.pings_sent) - static_cast<double>(s.ping_ms.size());
        f.ping_loss_pct = lost > 0 ? 100.0 * lost / static_cast<double>(s.pings_sent) : 0;
    }
    f.udp_pps = median_of(s.udp_pps);
    f.http_rps = median_of(s.http_rps);
    f.udp_written_off = s.udp_written_off;
    f.http_errors = s.http_errors;
    return f;
}

} // namespace

NetFigures summarize_net(const NetSamples& guest, const NetSamples& host, int runs, double duration_s) {
    NetFigures f;
    f.runs = runs;
    f.duration_s = duration_s;
    f.guest = side_figures(guest);
    f.host = side_figures(host);
    f.ratio_udp = ratio(f.guest.udp_pps, f.host.udp_pps);
    f.ratio_http = ratio(f.guest.http_rps, f.host.http_rps);
    f.ratio_ping = ratio(f.guest.ping_rtt_ms, f.host.ping_rtt_ms);
    return f;
}

nlohmann::json to_json(const NetFigures& f) {
    return {
        {"runs", f.runs},
        {"duration_s", f.duration_s},
        {"ping_rtt_ms", f.guest.ping_rtt_ms},
        {"ping_p90_ms", f.guest.ping_p90_ms},
        {"ping_loss_pct", f.guest.ping_loss_pct},
        {"udp_pps", f.guest.udp_pps},
        {"udp_lost", f.guest.udp_written_off},
        {"http_rps", f.guest.http_rps},
        {"http_errors", f.guest.http_errors},
        {"host_ping_rtt_ms", f.host.ping_rtt_ms},
        {"host_ping_p90_ms", f.host.ping_p90_ms},
        {"host_ping_loss_pct", f.host.ping_loss_pct},
        {"host_udp_pps", f.host.udp_pps},
        {"host_udp_lost", f.host.udp_written_off},
        {"host_http_rps", f.host.http_rps},
        {"host_http_errors", f.host.http_errors},
        {"ratio_ping", f.ratio_ping},
        {"ratio_udp", f.ratio_udp},
        {"ratio_http", f.ratio_http},
    };
}

std::string format_text(const NetFigures& f) {
    std::string out = fmt::format("{:<28} {:>12} {:>14} {:>12}\n", "", "guest", "host process", "guest/host");
    out += fmt::format("{:<28} {:>12.3f} {:>14.3f} {:>11.2f}x\n", "ping rtt median (ms)", f.guest.ping_rtt_ms,
                       f.host.ping_rtt_ms, f.ratio_ping);
    out += fmt::format("{:<28} {:>12.3f} {:>14.3f}\n", "ping rtt p90 (ms)", f.guest.ping_p90_ms,
                       f.host.ping_p90_ms);
    out += fmt::format("{:<28} {:>12.1f} {:>14.1f}\n", "ping loss (%)", f.guest.ping_loss_pct,
                       f.host.ping_loss_pct);
    out += fmt::format("{:<28} {:>12.0f} {:>14.0f} {:>12.2f}\n", "udp echo (datagrams/s)", f.guest.udp_pps,
                       f.host.udp_pps, f.ratio_udp);
    out += fmt::format("{:<28} {:>12} {:>14}\n", "udp datagrams lost (all runs)", f.guest.udp_written_off,
                       f.host.udp_written_off);
    out += fmt::format("{:<28} {:>12.0f} {:>14.0f} {:>12.2f}\n", "http GET / (requests/s)", f.guest.http_rps,
                       f.host.http_rps, f.ratio_http);
    if (f.guest.http_errors + f.host.http_errors > 0)
        out += fmt::format("{:<28} {:>12} {:>14}\n", "http errors", f.guest.http_errors, f.host.http_errors);
    out += fmt::format("target: http guest/host >= {}: {}\n", kTargetRatioHttp,
                       meets_targets(f) ? "met" : "missed");
    return out;
}

bool meets_targets(const NetFigures& f) {
    return f.ratio_http >= kTargetRatioHttp;
}

} // namespace sf::bench
