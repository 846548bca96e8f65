// sf-bench boot: summary; see boot_summary.h.
#include "bench/boot/boot_summary.h"

#include "bench/common/stats.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace sf::bench {
namespace {

double rounded(double value) {
    return std::round(value * 1000.0) / 1000.0;
}

} // namespace

double median_ratio(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.empty() || b.empty()) return 0;
    const double below = summarize(b).median;
    return below > 0 ? summarize(a).median / below : 0;
}

nlohmann::json boot_json(const BootRunInfo& info, const BootSamples& s) {
    nlohmann::json out = {
        {"backend", info.backend},
        {"runs", info.runs},
        {"warmup", info.warmup},
        {"image", info.image},
        {"guest_first_output_ms", to_json(summarize(s.guest_first))},
        {"guest_exit_ms", to_json(summarize(s.guest_exit))},
        {"guest_teardown_ms", to_json(summarize(s.guest_teardown))},
        {"fork_exec_ms", to_json(summarize(s.fork_first))},
        {"fork_exec_exit_ms", to_json(summarize(s.fork_exit))},
        {"posix_spawn_ms", to_json(summarize(s.spawn_first))},
        {"posix_spawn_exit_ms", to_json(summarize(s.spawn_exit))},
        {"ratio_guest_fork_exec", rounded(median_ratio(s.guest_first, s.fork_first))},
    };
    if (info.via_sfd) {
        out["sfd_request_ms"] = to_json(summarize(s.sfd_request));
        out["sfd_first_output_ms"] = to_json(summarize(s.sfd_first_output));
        out["ratio_sfd_fork_exec"] = rounded(median_ratio(s.sfd_request, s.fork_first));
        out["ratio_sfd_guest"] = rounded(median_ratio(s.sfd_request, s.guest_first));
    }
    return out;
}

std::string boot_text(const BootRunInfo& info, const BootSamples& s) {
    std::string out = fmt::format("sf-bench boot: {} runs of {} (after {} warm-up runs); milliseconds\n",
                                  info.runs, info.image, info.warmup);
    auto line = std::back_inserter(out);
    fmt::format_to(line, "  {:<46} {:>8} {:>8} {:>8}\n", "", "median", "p90", "p99");
    auto row = [&](const char* label, const std::vector<double>& samples) {
        const Summary m = summarize(samples);
        fmt::format_to(line, "  {:<46} {:>8.3f} {:>8.3f} {:>8.3f}\n", label, m.median, m.p90, m.p99);
    };
    fmt::format_to(line, "  backend: {}\n", info.backend);
    row("guest: request to first output", s.guest_first);
    row("guest: request to exit", s.guest_exit);
    row("guest: teardown", s.guest_teardown);
    if (info.via_sfd) {
        row("via sfd: POST /v1/guests to 201 (wait output)", s.sfd_request);
        row("via sfd: sfd's first_output_ms", s.sfd_first_output);
    }
    row("fork+exec: to first output", s.fork_first);
    row("fork+exec: to exit", s.fork_exit);
    row("posix_spawn: to first output", s.spawn_first);
    row("posix_spawn: to exit", s.spawn_exit);
    fmt::format_to(
        line,
        "  ratio guest / fork+exec (first output, medians): {:.2f}  (target <= 1.5, and median <= 1 ms)\n",
        median_ratio(s.guest_first, s.fork_first));
    if (info.via_sfd)
        fmt::format_to(line,
                       "  ratio via sfd / fork+exec (request to 201 over first output, medians): {:.2f}; "
                       "via sfd / cold in-process guest: {:.2f}\n",
                       median_ratio(s.sfd_request, s.fork_first), median_ratio(s.sfd_request, s.guest_first));
    return out;
}

} // namespace sf::bench
