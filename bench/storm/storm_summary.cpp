// sf-bench storm: summary math; see storm_summary.h.
#include "bench/storm/storm_summary.h"

#include "bench/common/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sf::bench {
namespace {

constexpr double kLastMsTarget = 10, kMedianMsTarget = 2, kMemKibTarget = 1024, kIdleCpuTarget = 5;
constexpr double kStoreShareTarget = 0.10;

// Rounded to `decimals` places; multiplying by a power of ten, so that the JSON
// shows 40.3 and not 40.300000000000004.
double round_to(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

const char* verdict(bool ok) {
    return ok ? "ok" : "MISSED";
}

// Whether each target is met; none is when no guest was created.
struct Verdicts {
    bool failed, last, median, mem, cpu;
};

Verdicts judge(const StormSummary& s) {
    const bool any = s.created > 0;
    return {s.failed == 0 && s.later_rounds_failed == 0 && any, any && s.last_ms <= kLastMsTarget,
            any && s.median_ms <= kMedianMsTarget, any && s.mem_per_guest_kib <= kMemKibTarget,
            any && s.idle_cpu_pct <= kIdleCpuTarget};
}

// The store's figures over this storm: the records written between the two
// readings and their mean time (sfd reports a mean since it started).
std::optional<StoreFigures> store_figures(const StormReadings& r, double median_ms) {
    if (!r.store_after) return std::nullopt;
    const StoreReading& after = *r.store_after;
    StoreFigures f{after.backend, after.records_written, after.record_ms_mean, 0};
    if (r.store_before && after.records_written >= r.store_before->records_written) {
        const StoreReading& before = *r.store_before;
        f.records = after.records_written - before.records_written;
        const double total_ms = after.record_ms_mean * static_cast<double>(after.records_written) -
                                before.record_ms_mean * static_cast<double>(before.records_written);
        f.record_ms_mean = f.records > 0 ? std::max(0.0, total_ms) / static_cast<double>(f.records) : 0;
    }
    f.share = median_ms > 0 ? f.record_ms_mean / median_ms : 0;
    return f;
}

std::string format_store(const StoreFigures& f) {
    if (f.backend == "none") return "  store: none (sfd keeps no records; store_share 0)\n";
    return fmt::format(
        "  store ({}): {} records written, {:.4f} ms each (mean) = store_share {:.2f} % of the "
        "median creation time (target <= {:g} %: {})\n",
        f.backend, f.records, f.record_ms_mean, f.share * 100, kStoreShareTarget * 100,
        verdict(f.share <= kStoreShareTarget));
}

// A CPU figure with its resolution `tick` (one clock tick over the window):
// "0.25 % (one tick: 0.05 %)", or "< 0.05 % (under one clock tick)" when it reads
// less than one tick, where the number would claim a precision it lacks.
std::string cpu_text(double pct, double tick) {
    if (tick <= 0) return fmt::format("{:.2f} %", pct);
    if (pct < tick) return fmt::format("< {:.3g} % (under one clock tick)", tick);
    return fmt::format("{:.2f} % (one tick: {:.3g} %)", pct, tick);
}

} // namespace

std::optional<StoreReading> parse_store_reading(const nlohmann::json& host) {
    if (!host.is_object()) return std::nullopt;
    auto store = host.find("store");
    if (store == host.end() || !store->is_object()) return std::nullopt;
    auto backend = store->find("backend");
    if (backend == store->end() || !backend->is_string()) return std::nullopt;
    StoreReading r;
    r.backend = backend->get<std::string>();
    if (auto n = store->find("records_written"); n != store->end()) {
        if (!n->is_number_unsigned()) return std::nullopt;
        r.records_written = n->get<uint64_t>();
    }
    if (auto mean = store->find("record_ms_mean"); mean != store->end()) {
        if (!mean->is_number()) return std::nullopt;
        r.record_ms_mean = mean->get<double>();
    }
    return r;
}

StormSummary summarize_storm(const std::vector<StormSample>& samples, const StormReadings& readings) {
    StormSummary s;
    s.n = samples.size();
    std::vector<double> client, server;
    for (const StormSample& sample : samples) {
        if (!sample.created) continue;
        if (client.empty()) s.first_ms = sample.client_ms;
        s.last_ms = sample.client_ms;
        client.push_back(sample.client_ms);
        if (sample.server_ms) server.push_back(*sample.server_ms);
    }
    s.created = client.size();
    s.failed = s.n - s.created;
    const Summary c = summarize(client), v = summarize(server);
    s.median_ms = c.median;
    s.p99_ms = c.p99;
    s.max_ms = c.max;
    s.server_median_ms = v.median;
    s.server_p99_ms = v.p99;
    s.total_s = readings.total_s;
    s.destroy_s = readings.destroy_s;
    s.memory = summarize_memory(readings.memory);
    s.mem_per_guest_kib = s.memory.total.median;
    s.later_rounds_failed = readings.later_rounds_failed;
    s.idle_cpu_pct = readings.idle_cpu_pct;
    s.idle_cpu_tick_pct = readings.idle_cpu_tick_pct;
    s.sfd_cpu_pct = readings.sfd_cpu_pct;
    s.idle_cpu_pct_before = readings.idle_cpu_pct_before;
    s.sfd_cpu_tick_pct = readings.sfd_cpu_tick_pct;
    s.store = store_figures(readings, s.median_ms);
    return s;
}

nlohmann::json to_json(const StormSummary& s) {
    nlohmann::json json = {
        {"n", s.n},
        {"created", s.created},
        {"failed", s.failed},
        {"first_ms", round_to(s.first_ms, 3)},
        {"median_ms", round_to(s.median_ms, 3)},
        {"p99_ms", round_to(s.p99_ms, 3)},
        {"last_ms", round_to(s.last_ms, 3)},
        {"max_ms", round_to(s.max_ms, 3)},
        {"total_s", round_to(s.total_s, 3)},
        {"destroy_s", round_to(s.destroy_s, 3)},
        {"destroy_ms_per_guest",
         round_to(s.created > 0 ? s.destroy_s * 1000 / static_cast<double>(s.created) : 0, 3)},
        {"idle_cpu_pct", round_to(s.idle_cpu_pct, 2)},
        {"idle_cpu_tick_pct", round_to(s.idle_cpu_tick_pct, 4)},
        {"idle_cpu_pct_before",
         s.idle_cpu_pct_before ? nlohmann::json(round_to(*s.idle_cpu_pct_before, 2)) : nlohmann::json()},
        {"sfd_cpu_pct", s.sfd_cpu_pct ? nlohmann::json(round_to(*s.sfd_cpu_pct, 2)) : nlohmann::json()},
        {"later_rounds_failed", s.later_rounds_failed},
    };
    add_memory_json(s.memory, json);
    if (s.store) {
        json["store_backend"] = s.store->backend;
        json["store_record_ms_mean"] = round_to(s.store->record_ms_mean, 4);
        json["store_share"] = round_to(s.store->share, 4);
    }
    return json;
}

bool meets_targets(const StormSummary& s) {
    const Verdicts v = judge(s);
    return v.failed && v.last && v.median && v.mem && v.cpu;
}

std::string format_text(const StormSummary& s, bool vm_targets) {
    const Verdicts v = judge(s);
    const double rate = s.total_s > 0 ? static_cast<double>(s.created) / s.total_s : 0;
    std::string out =
        fmt::format("  guests: n {}, created {}, failed {}; create phase {:.3f} s ({:.0f} guests/s)\n", s.n,
                    s.created, s.failed, s.total_s, rate);
    if (s.created > 0 && s.destroy_s > 0)
        out += fmt::format("  destroy phase: {:.3f} s ({:.3f} ms a guest, wall time over --destroy-parallel "
                           "connections)\n",
                           s.destroy_s, s.destroy_s * 1000 / static_cast<double>(s.created));
    out += fmt::format("  creation time, request to first console output (client side), ms:\n"
                       "    first {:.3f}  median {:.3f}  p99 {:.3f}  last {:.3f}  max {:.3f}\n",
                       s.first_ms, s.median_ms, s.p99_ms, s.last_ms, s.max_ms);
    out += fmt::format("    server side (first_output_ms): median {:.3f}  p99 {:.3f}\n", s.server_median_ms,
                       s.server_p99_ms);
    if (s.memory.rounds > 1)
        out +=
            fmt::format("  rounds after the first: {} failed creates (their creation times are not above)\n",
                        s.later_rounds_failed);
    out += format_memory(s.memory);
    out += fmt::format("  host CPU use with all guests idle: {} (all processes)\n",
                       cpu_text(s.idle_cpu_pct, s.idle_cpu_tick_pct));
    if (s.idle_cpu_pct_before)
        out += fmt::format("    the same window before the creates (sfd up, no guest): {}\n",
                           cpu_text(*s.idle_cpu_pct_before, s.idle_cpu_tick_pct));
    if (s.sfd_cpu_pct)
        out +=
            fmt::format("    sfd and its workers alone: {}\n", cpu_text(*s.sfd_cpu_pct, s.sfd_cpu_tick_pct));
    if (s.store) out += format_store(*s.store);
    if (!vm_targets) return out;
    out += fmt::format("  targets: failed == 0 {}; last_ms <= {:g} {}; median_ms <= {:g} {}; "
                       "mem_per_guest_kib <= {:g} {}; idle_cpu_pct <= {:g} {}\n",
                       verdict(v.failed), kLastMsTarget, verdict(v.last), kMedianMsTarget, verdict(v.median),
                       kMemKibTarget, verdict(v.mem), kIdleCpuTarget, verdict(v.cpu));
    return out;
}

} // namespace sf::bench
