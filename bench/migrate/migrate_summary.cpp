// sf-bench migrate: summary, JSON, targets and table; see migrate_summary.h.
#include "bench/migrate/migrate_summary.h"

#include "bench/migrate/migrate_gap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>

namespace sf::bench {
namespace {

using SampleField = std::function<std::optional<double>(const MigrateSample&)>;

std::optional<double> median_over(const std::vector<MigrateSample>& samples, const SampleField& field) {
    std::vector<double> values;
    for (const MigrateSample& s : samples)
        if (s.ok)
            if (std::optional<double> v = field(s)) values.push_back(*v);
    return median_of(std::move(values));
}

nlohmann::ordered_json number_or_null(std::optional<double> value) {
    if (!value) return nullptr;
    return std::round(*value * 1000.0) / 1000.0;
}

std::string cell(std::optional<double> value, const char* format = "{:.3f}") {
    return value ? fmt::format(fmt::runtime(format), *value) : "-";
}

std::string ratio(std::optional<double> a, std::optional<double> b) {
    return a && b && *b > 0 ? fmt::format("{:.2f}x", *a / *b) : "-";
}

// Largest over smallest of a median across the rows that have it.
std::optional<double> spread(const std::vector<MigrateRowSummary>& rows,
                             std::optional<double> MigrateRowSummary::*field) {
    std::vector<double> values;
    for (const MigrateRowSummary& r : rows)
        if (r.*field) values.push_back(*(r.*field));
    if (values.size() < 2 || *std::min_element(values.begin(), values.end()) <= 0) return std::nullopt;
    return *std::max_element(values.begin(), values.end()) / *std::min_element(values.begin(), values.end());
}

void bound_per_row(std::vector<TargetVerdict>& out, const std::vector<MigrateRowSummary>& rows,
                   std::optional<double> MigrateRowSummary::*field, const char* name, double limit) {
    for (const MigrateRowSummary& r : rows) {
        const std::optional<double> v = r.*field;
        out.push_back({fmt::format("{} <= {:g} at K = {}", name, limit, r.guests_on_source), v && *v <= limit,
                       v ? fmt::format("{:.3f}", *v) : "no successful run"});
    }
}

void flat(std::vector<TargetVerdict>& out, const std::vector<MigrateRowSummary>& rows,
          std::optional<double> MigrateRowSummary::*field, const char* name) {
    if (rows.size() < 2) return;
    const std::optional<double> s = spread(rows, field);
    out.push_back({fmt::format("{} flat within 1.2x from K = {} to K = {}", name,
                               rows.front().guests_on_source, rows.back().guests_on_source),
                   s && *s <= 1.2,
                   s ? fmt::format("largest / smallest median {:.2f}x", *s) : "not measured"});
}

} // namespace

MigrateRowSummary summarize_row(const MigrateRow& row) {
    MigrateRowSummary s;
    s.guests_on_source = row.guests_on_source;
    s.runs = row.samples.size();
    s.succeeded = static_cast<size_t>(
        std::count_if(row.samples.begin(), row.samples.end(), [](const MigrateSample& m) { return m.ok; }));
    s.total_ms = median_over(row.samples, [](const MigrateSample& m) { return m.total_ms; });
    s.downtime_ms = median_over(row.samples, [](const MigrateSample& m) { return m.downtime_ms; });
    s.bytes_sent =
        median_over(row.samples, [](const MigrateSample& m) { return static_cast<double>(m.bytes_sent); });
    s.server_total_ms = median_over(row.samples, [](const MigrateSample& m) { return m.server_total_ms; });
    s.server_downtime_ms =
        median_over(row.samples, [](const MigrateSample& m) { return m.server_downtime_ms; });
    s.tcp_gap_ms = median_over(row.samples, [](const MigrateSample& m) { return m.tcp_gap_ms; });
    s.create_ms = median_over(row.samples, [](const MigrateSample& m) { return m.create_ms; });
    s.transfer_ms = median_over(row.samples, [](const MigrateSample& m) { return m.transfer_ms; });
    s.stream_mbit_s = median_over(row.samples, stream_mbit_s);
    s.transfer_mbit_s = median_over(row.samples, transfer_mbit_s);
    s.ping_rtt_ms = median_over(row.samples, [](const MigrateSample& m) { return m.ping_rtt_ms; });
    s.connection_kept =
        !row.samples.empty() && std::all_of(row.samples.begin(), row.samples.end(),
                                            [](const auto& m) { return m.ok && m.connection_kept; });
    return s;
}

std::optional<double> stream_mbit_s(const MigrateSample& m) {
    if (!m.server_phases.is_object() || m.bytes_sent == 0) return std::nullopt;
    auto receiver = m.server_phases.find("receiver");
    if (receiver == m.server_phases.end() || !receiver->is_object()) return std::nullopt;
    auto read = receiver->find("read_ms");
    if (read == receiver->end() || !read->is_number()) return std::nullopt;
    const double ms = read->get<double>();
    if (ms <= 0) return std::nullopt;
    return static_cast<double>(m.bytes_sent) * 8.0 / (ms * 1000.0);
}

std::optional<double> transfer_mbit_s(const MigrateSample& m) {
    if (!m.transfer_ms || *m.transfer_ms <= 0 || m.bytes_sent == 0) return std::nullopt;
    return static_cast<double>(m.bytes_sent) * 8.0 / (*m.transfer_ms * 1000.0);
}

nlohmann::ordered_json to_json(const MigrateSample& m) {
    nlohmann::ordered_json j = {
        {"ok", m.ok},
        {"total_ms", number_or_null(m.total_ms)},
        {"downtime_ms", number_or_null(m.downtime_ms)},
        {"pings_resumed", m.pings_resumed},
        {"gap_start_ms", number_or_null(m.gap_start_ms)},
        {"gap_end_ms", number_or_null(m.gap_end_ms)},
        {"server_total_ms", number_or_null(m.server_total_ms)},
        {"server_downtime_ms", number_or_null(m.server_downtime_ms)},
        {"bytes_sent", m.bytes_sent},
        {"rounds", m.rounds},
        {"connection_kept", m.connection_kept},
        {"tcp_gap_ms", number_or_null(m.tcp_gap_ms)},
        {"send_gap_ms", number_or_null(m.send_gap_ms)},
        {"pings_sent", m.pings_sent},
        {"pings_answered", m.pings_answered},
        {"increments", m.increments},
        {"create_ms", number_or_null(m.create_ms)},
        {"transfer_ms", number_or_null(m.transfer_ms)},
        {"stream_mbit_s", number_or_null(stream_mbit_s(m))},
        {"transfer_mbit_s", number_or_null(transfer_mbit_s(m))},
        {"ping_rtt_ms", number_or_null(m.ping_rtt_ms)},
    };
    if (m.server_phases.is_object())
        j["server_phases"] = nlohmann::ordered_json::parse(m.server_phases.dump());
    if (!m.error.empty()) j["error"] = m.error;
    if (!m.connection_problem.empty()) j["connection_problem"] = m.connection_problem;
    return j;
}

nlohmann::ordered_json migrate_json(const std::string& rate, const std::vector<MigrateRow>& rows) {
    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    for (const MigrateRow& row : rows) {
        const MigrateRowSummary s = summarize_row(row);
        nlohmann::ordered_json samples = nlohmann::ordered_json::array();
        for (const MigrateSample& m : row.samples)
            samples.push_back(to_json(m));
        nlohmann::ordered_json bytes = nullptr;
        if (s.bytes_sent) bytes = static_cast<uint64_t>(std::llround(*s.bytes_sent));
        runs.push_back({{"guests_on_source", row.guests_on_source},
                        {"total_ms", number_or_null(s.total_ms)},
                        {"downtime_ms", number_or_null(s.downtime_ms)},
                        {"bytes_sent", bytes},
                        {"connection_kept", s.connection_kept},
                        {"stream_mbit_s", number_or_null(s.stream_mbit_s)},
                        {"transfer_mbit_s", number_or_null(s.transfer_mbit_s)},
                        {"ping_rtt_ms", number_or_null(s.ping_rtt_ms)},
                        {"samples", std::move(samples)}});
    }
    return {{"rate", rate}, {"runs", std::move(runs)}};
}

std::vector<TargetVerdict> check_targets(const std::string& rate,
                                         const std::vector<MigrateRowSummary>& rows) {
    std::vector<TargetVerdict> out;
    if (rate == "10gbit") {
        bound_per_row(out, rows, &MigrateRowSummary::total_ms, "total_ms", 10);
        bound_per_row(out, rows, &MigrateRowSummary::downtime_ms, "downtime_ms", 5);
        flat(out, rows, &MigrateRowSummary::total_ms, "total_ms");
        flat(out, rows, &MigrateRowSummary::downtime_ms, "downtime_ms");
    } else if (rate == "1gbit") {
        bound_per_row(out, rows, &MigrateRowSummary::total_ms, "total_ms", 40);
    }
    for (const MigrateRowSummary& r : rows)
        out.push_back({fmt::format("connection kept in every run at K = {}", r.guests_on_source),
                       r.connection_kept, fmt::format("{} of {} runs migrated", r.succeeded, r.runs)});
    return out;
}

std::string format_links(const LinkShaping& shaping, const std::vector<MigrateRowSummary>& rows) {
    std::string out = fmt::format(
        "  links: rate {} as shaped (a tc limit on each host link, both directions; not a measurement), {}\n",
        shaping.rate,
        shaping.delay_ms > 0
            ? fmt::format("delay {:g} ms each way on each host link (netem)", shaping.delay_ms)
            : std::string("no added delay"));
    auto line = std::back_inserter(out);
    for (const MigrateRowSummary& r : rows)
        fmt::format_to(line,
                       "    K = {}: measured throughput {} Mbit/s (migration stream: bytes_sent over the "
                       "receiver's read time), raw TCP {} Mbit/s; ping RTT before the migration {} ms\n",
                       r.guests_on_source, cell(r.stream_mbit_s, "{:.0f}"), cell(r.transfer_mbit_s, "{:.0f}"),
                       cell(r.ping_rtt_ms, "{:.3f}"));
    out += shaping.icmp_band
               ? "  downtime (client side): ping replies, ICMP in its own htb class on the shaped links (not "
                 "queued behind the migration stream)\n"
               : "  downtime (client side): ping replies, ICMP sharing the shaped links' queues with the "
                 "migration stream (it can under-read: pings wait in the same queue)\n";
    out += "  sfd_down: sfd's own downtime (guest paused on the source to running on the destination)\n";
    return out;
}

std::string format_report(const std::string& rate, const std::vector<MigrateRowSummary>& rows,
                          const std::vector<TargetVerdict>& verdicts) {
    std::string out = fmt::format("sf-bench migrate at {} (medians over the runs that migrated)\n", rate);
    auto line = std::back_inserter(out);
    fmt::format_to(line, "  {:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>6} {:>9} {:>9} {:>7} {:>7}\n",
                   "K", "ok", "total_ms", "downtime", "sfd_total", "sfd_down", "bytes", "tcp_gap", "kept",
                   "create_ms", "xfer_ms", "/create", "/xfer");
    for (const MigrateRowSummary& r : rows)
        fmt::format_to(line,
                       "  {:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>6} {:>9} {:>9} {:>7} {:>7}\n",
                       r.guests_on_source, fmt::format("{}/{}", r.succeeded, r.runs), cell(r.total_ms),
                       cell(r.downtime_ms), cell(r.server_total_ms), cell(r.server_downtime_ms),
                       cell(r.bytes_sent, "{:.0f}"), cell(r.tcp_gap_ms, "{:.1f}"),
                       r.connection_kept ? "yes" : "NO", cell(r.create_ms), cell(r.transfer_ms),
                       ratio(r.total_ms, r.create_ms), ratio(r.total_ms, r.transfer_ms));
    out +=
        "  total_ms: POST .../migrate sent to its reply (the guest runs at the destination); downtime: the "
        "largest gap between ping replies around it;\n  sfd_*: the server's figures; create_ms: a plain "
        "create "
        "of the same guest on the destination; xfer_ms: raw TCP transfer of the bytes sent between the "
        "hosts;\n"
        "  /create, /xfer: total_ms over those baselines\n";
    for (const TargetVerdict& v : verdicts)
        fmt::format_to(line, "  target {}: {} ({})\n", v.what, v.met ? "met" : "MISSED", v.detail);
    return out;
}

} // namespace sf::bench
