// sf-bench store: the report (see store_report.h).
#include "bench/store/store_report.h"

#include "bench/store/store_layout.h"

#include <fmt/format.h>

namespace sf::bench {
namespace {

std::string latency_row(const char* label, const LatencySummary& s) {
    return fmt::format("  {:<16} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}   ({} requests)\n", label,
                       s.p50, s.p90, s.p99, s.p99_9, s.max, s.count);
}

} // namespace

uint64_t StoreErrorCounts::errors() const {
    return populate_errors + read_errors + write_errors + txn_errors + latency_read_errors +
           latency_write_errors;
}

nlohmann::json to_json(const StoreFigures& f, const StoreRunInfo& info) {
    const StoreErrorCounts& c = f.counts;
    return {{"read_ops_s", f.read_ops_s},
            {"write_ops_s", f.write_ops_s},
            {"txn_commits_s", f.txn_commits_s},
            {"watch_fanout_ms", f.watch_fanout_ms},
            {"read_latency_us", to_json(f.read_latency_us)},
            {"write_latency_us", to_json(f.write_latency_us)},
            {"errors", c.errors()},
            {"conflicts", c.conflicts()},
            {"populate_errors", c.populate_errors},
            {"populate_conflicts", c.populate_conflicts},
            {"read_errors", c.read_errors},
            {"write_errors", c.write_errors},
            {"txn_errors", c.txn_errors},
            {"txn_conflicts", c.txn_conflicts},
            {"latency_read_errors", c.latency_read_errors},
            {"latency_write_errors", c.latency_write_errors},
            {"populate_s", f.populate_s},
            {"backend", info.backend},
            {"clients", info.clients},
            {"window", info.window},
            {"runs", info.runs},
            {"seconds", info.seconds},
            {"guests", info.guests}};
}

std::string format_text(const StoreFigures& f, const StoreRunInfo& info) {
    std::string out = fmt::format(
        "sf-bench store: backend {}, {} guests ({} nodes, loaded in {:.1f} s), medians of {} runs of {} s\n",
        info.backend, info.guests, info.guests * kGuestNodes, f.populate_s, info.runs, info.seconds);
    out += fmt::format("throughput, {} clients x {} requests in flight:\n", info.clients, info.window);
    out += fmt::format("  reads            {:>12.0f} /s   (target in memory >= 200,000)\n", f.read_ops_s);
    out += fmt::format("  writes           {:>12.0f} /s   (target in memory >= 100,000)\n", f.write_ops_s);
    out += fmt::format("  txn commits      {:>12.0f} /s   (start, 2 writes, commit)\n", f.txn_commits_s);
    out += fmt::format("  watch fan-out    {:>12.2f} ms   ({} watches on {} connections; target <= 20)\n",
                       f.watch_fanout_ms, info.watchers, info.watch_connections);
    out += "latency, 1 client x 1 request in flight, microseconds (all runs):\n";
    out += fmt::format("  {:<16} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "", "p50", "p90", "p99", "p99.9", "max");
    out += latency_row("read", f.read_latency_us);
    out += latency_row("write", f.write_latency_us);
    const StoreErrorCounts& c = f.counts;
    out += fmt::format("error replies: {} (populate {}, reads {}, writes {}, txns {}, latency reads {}, "
                       "latency writes {}); conflicts: {} (populate {}, txns {})\n",
                       c.errors(), c.populate_errors, c.read_errors, c.write_errors, c.txn_errors,
                       c.latency_read_errors, c.latency_write_errors, c.conflicts(), c.populate_conflicts,
                       c.txn_conflicts);
    if (!c.populate_first_error.empty())
        out += fmt::format("first failed write of the populate step: {}\n", c.populate_first_error);
    return out;
}

} // namespace sf::bench
