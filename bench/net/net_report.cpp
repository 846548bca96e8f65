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
    f.ping_failed = s.ping_failed;
    f.udp_failed = s.udp_failed;
    f.http_failed = s.http_failed;
    return f;
}

void add_side(nlohmann::json& j, const std::string& prefix, const NetSideFigures& f) {
    j[prefix + "ping_rtt_ms"] = f.ping_rtt_ms;
    j[prefix + "ping_p90_ms"] = f.ping_p90_ms;
    j[prefix + "ping_loss_pct"] = f.ping_loss_pct;
    j[prefix + "udp_pps"] = f.udp_pps;
    j[prefix + "udp_lost"] = f.udp_written_off;
    j[prefix + "http_rps"] = f.http_rps;
    j[prefix + "http_errors"] = f.http_errors;
    j[prefix + "ping_failed"] = f.ping_failed;
    j[prefix + "udp_failed"] = f.udp_failed;
    j[prefix + "http_failed"] = f.http_failed;
}

int side_failed(const NetSideFigures& f) {
    return f.ping_failed + f.udp_failed + f.http_failed;
}

} // namespace

int NetFigures::failed() const {
    return side_failed(guest) + side_failed(host) + side_failed(linux_stack);
}

NetFigures summarize_net(const NetSamples& guest, const NetSamples& host, const NetSamples& linux_stack,
                         int runs, double duration_s) {
    NetFigures f;
    f.runs = runs;
    f.duration_s = duration_s;
    f.guest = side_figures(guest);
    f.host = side_figures(host);
    f.linux_stack = side_figures(linux_stack);
    f.ratio_udp = ratio(f.guest.udp_pps, f.host.udp_pps);
    f.ratio_http = ratio(f.guest.http_rps, f.host.http_rps);
    f.ratio_ping = ratio(f.guest.ping_rtt_ms, f.host.ping_rtt_ms);
    f.ratio_udp_linux = ratio(f.guest.udp_pps, f.linux_stack.udp_pps);
    f.ratio_http_linux = ratio(f.guest.http_rps, f.linux_stack.http_rps);
    f.ratio_ping_linux = ratio(f.guest.ping_rtt_ms, f.linux_stack.ping_rtt_ms);
    return f;
}

nlohmann::json to_json(const NetFigures& f) {
    nlohmann::json j = {{"runs", f.runs}, {"duration_s", f.duration_s}};
    add_side(j, "", f.guest);
    add_side(j, "host_", f.host);
    add_side(j, "linux_", f.linux_stack);
    j["ratio_ping"] = f.ratio_ping;
    j["ratio_udp"] = f.ratio_udp;
    j["ratio_http"] = f.ratio_http;
    j["ratio_ping_linux"] = f.ratio_ping_linux;
    j["ratio_udp_linux"] = f.ratio_udp_linux;
    j["ratio_http_linux"] = f.ratio_http_linux;
    j["failed"] = f.failed();
    return j;
}

std::string format_text(const NetFigures& f) {
    const NetSideFigures &g = f.guest, &h = f.host, &l = f.linux_stack;
    std::string out = fmt::format("{:<30} {:>10} {:>13} {:>10} {:>11} {:>12}\n", "", "guest", "host process",
                                  "Linux", "guest/host", "guest/Linux");
    auto row = [&out](const char* label, double gv, double hv, double lv, int digits) {
        out +=
            fmt::format("{:<30} {:>10.{}f} {:>13.{}f} {:>10.{}f}", label, gv, digits, hv, digits, lv, digits);
    };
    row("ping rtt median (ms)", g.ping_rtt_ms, h.ping_rtt_ms, l.ping_rtt_ms, 3);
    out += fmt::format(" {:>10.2f}x {:>11.2f}x\n", f.ratio_ping, f.ratio_ping_linux);
    row("ping rtt p90 (ms)", g.ping_p90_ms, h.ping_p90_ms, l.ping_p90_ms, 3);
    out += "\n";
    row("ping loss (%)", g.ping_loss_pct, h.ping_loss_pct, l.ping_loss_pct, 1);
    out += "\n";
    row("udp echo (datagrams/s)", g.udp_pps, h.udp_pps, l.udp_pps, 0);
    out += fmt::format(" {:>11.2f} {:>12.2f}\n", f.ratio_udp, f.ratio_udp_linux);
    out += fmt::format("{:<30} {:>10} {:>13} {:>10}\n", "udp datagrams lost (all runs)", g.udp_written_off,
                       h.udp_written_off, l.udp_written_off);
    row("http GET / (requests/s)", g.http_rps, h.http_rps, l.http_rps, 0);
    out += fmt::format(" {:>11.2f} {:>12.2f}\n", f.ratio_http, f.ratio_http_linux);
    if (g.http_errors + h.http_errors + l.http_errors > 0)
        out += fmt::format("{:<30} {:>10} {:>13} {:>10}\n", "http errors", g.http_errors, h.http_errors,
                           l.http_errors);
    out += fmt::format("{:<30} {:>10} {:>13} {:>10}\n", "failed runs: ping/udp/http",
                       fmt::format("{}/{}/{}", g.ping_failed, g.udp_failed, g.http_failed),
                       fmt::format("{}/{}/{}", h.ping_failed, h.udp_failed, h.http_failed),
                       fmt::format("{}/{}/{}", l.ping_failed, l.udp_failed, l.http_failed));
    if (f.failed() > 0)
        out += fmt::format(
            "{} failed rounds (of {} per measurement and side) are left out of the figures above\n",
            f.failed(), f.runs);
    out += fmt::format("target: http guest/host >= {}: {}\n", kTargetRatioHttp,
                       meets_targets(f) ? "met" : "missed");
    return out;
}

bool meets_targets(const NetFigures& f) {
    return f.ratio_http >= kTargetRatioHttp;
}

} // namespace sf::bench
