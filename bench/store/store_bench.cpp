// sf-bench store (see store_bench.h).
#include "bench/store/store_bench.h"

#include "bench/common/child_process.h"
#include "bench/common/stats.h"
#include "bench/store/store_latency.h"
#include "bench/store/store_layout.h"
#include "bench/store/store_load.h"
#include "bench/store/store_pipe.h"
#include "bench/store/store_populate.h"
#include "bench/store/store_report.h"
#include "bench/store/store_watch_fanout.h"
#include "common/executable_path.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace sf::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct StoreOptions {
    StoreRunInfo info;
    bool json = false;
    std::string sfstore;
};

// A private directory for the socket (and the data), removed at the end.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        const char* tmp = std::getenv("TMPDIR");
        path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sf-bench-store-XXXXXX";
        if (!::mkdtemp(path.data())) path.clear();
    }
    ~ScratchDir() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
};

Result<std::unique_ptr<ChildProcess>> start_sfstore(const StoreOptions& o, const std::string& dir) {
    std::string binary = o.sfstore.empty() ? beside_executable("sfstore").string() : o.sfstore;
    const std::string& backend = o.info.backend;
    if (::access(binary.c_str(), X_OK) != 0)
        return error("{}: not executable (build sfstore, or pass --sfstore)", binary);
    std::vector<std::string> argv{binary, "--socket", dir + "/store.sock", "--backend", backend};
    if (backend == "lmdb") argv.insert(argv.end(), {"--data", dir + "/data"});
    SF_TRY_ASSIGN(auto child, ChildProcess::start(argv, dir + "/sfstore.log", "sfstore"));
    for (auto give_up = Clock::now() + std::chrono::seconds(10); Clock::now() < give_up;) {
        if (!child->running()) return error("sfstore {}\n{}", child->describe_exit(), child->log_tail(10));
        if (StorePipe::connect(dir + "/store.sock").ok()) return child;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return error("sfstore did not listen on {} within 10 s\n{}", dir + "/store.sock", child->log_tail(10));
}

// The median ops/s of `runs` runs of one load; adds their error replies and conflicts.
Result<double> median_rate(LoadKind kind, const LoadSpec& spec, int runs, uint64_t& errors,
                           uint64_t& conflicts) {
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
        SF_TRY_ASSIGN(LoadResult result, run_load(kind, spec));
        rates.push_back(result.per_second());
        errors += result.errors, conflicts += result.conflicts;
    }
    return summarize(rates).median;
}

// `runs` runs of one client with one request in flight, pooled; adds their error replies.
Result<LatencySummary> latency(LoadKind kind, const LoadSpec& spec, int runs, uint64_t& errors) {
    LatencySamples samples;
    for (int r = 0; r < runs; ++r)
        SF_TRY(measure_latency(kind, spec, samples));
    errors += samples.errors;
    return summarize_latency(std::move(samples.us));
}

Result<void> populate(const StoreRunInfo& info, const std::string& socket, StoreFigures& f) {
    fmt::print(stderr, "populating {} guests ({} nodes) on the {} back-end...\n", info.guests,
               info.guests * kGuestNodes, info.backend);
    auto start = Clock::now();
    SF_TRY_ASSIGN(PopulateResult populated, populate_store(socket, info.guests));
    f.populate_s = std::chrono::duration<double>(Clock::now() - start).count();
    f.counts.populate_errors = populated.errors;
    f.counts.populate_conflicts = populated.conflicts;
    f.counts.populate_first_error = populated.first_error;
    if (populated.errors > 0)
        fmt::print(stderr, "populating: {} of {} writes failed, the first: {}\n", populated.errors,
                   populated.writes, populated.first_error);
    return ok();
}

Result<StoreFigures> measure(const StoreOptions& o) {
    const StoreRunInfo& info = o.info;
    ScratchDir dir;
    if (dir.path.empty()) return error("mkdtemp failed");
    SF_TRY_ASSIGN(auto sfstore, start_sfstore(o, dir.path));
    StoreFigures f;
    StoreErrorCounts& c = f.counts;
    const std::string socket = dir.path + "/store.sock";
    SF_TRY(populate(info, socket, f));
    LoadSpec spec{socket, info.clients, info.seconds, info.guests, info.window};
    uint64_t no_conflicts = 0; // reads and writes outside transactions cannot conflict
    fmt::print(stderr, "reads...\n");
    SF_TRY_ASSIGN(f.read_ops_s, median_rate(LoadKind::Reads, spec, info.runs, c.read_errors, no_conflicts));
    fmt::print(stderr, "writes...\n");
    SF_TRY_ASSIGN(f.write_ops_s,
                  median_rate(LoadKind::Writes, spec, info.runs, c.write_errors, no_conflicts));
    fmt::print(stderr, "transactions...\n");
    SF_TRY_ASSIGN(f.txn_commits_s,
                  median_rate(LoadKind::Transactions, spec, info.runs, c.txn_errors, c.txn_conflicts));
    fmt::print(stderr, "latency of reads and writes, one at a time...\n");
    SF_TRY_ASSIGN(f.read_latency_us, latency(LoadKind::Reads, spec, info.runs, c.latency_read_errors));
    SF_TRY_ASSIGN(f.write_latency_us, latency(LoadKind::Writes, spec, info.runs, c.latency_write_errors));
    fmt::print(stderr, "watch fan-out...\n");
    SF_TRY_ASSIGN(auto fanout, measure_watch_fanout(FanoutSpec{socket, info.watchers, info.watch_connections,
                                                               2 * info.runs + 1}));
    f.watch_fanout_ms = summarize(fanout).median;
    std::string ended = sfstore->stop();
    if (!sfstore->exited_cleanly()) return error("sfstore {}\n{}", ended, sfstore->log_tail(10));
    return f;
}

int run(const StoreOptions& o) {
    auto figures = measure(o);
    if (!figures) {
        fmt::print(stderr, "sf-bench store: {}\n", figures.error().message);
        return 1;
    }
    if (o.json)
        fmt::print("{}\n", to_json(*figures, o.info).dump());
    else
        fmt::print("{}", format_text(*figures, o.info));
    if (figures->counts.errors() > 0) {
        fmt::print(stderr, "sf-bench store: {} error replies (see above): exit status 1\n",
                   figures->counts.errors());
        return 1;
    }
    return 0;
}

} // namespace

void add_store_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<StoreOptions>();
    CLI::App* cmd =
        app.add_subcommand("store", "sfstore over its unix socket, loaded like 10,000 guests: reads/s, "
                                    "writes/s, transaction commits/s (pipelined), read and write latency "
                                    "(one request in flight), watch fan-out, error replies and conflicts; "
                                    "exit status 1 if any reply was an error");
    cmd->add_option("--backend", o->info.backend, "Back-end of the store")
        ->check(CLI::IsMember({"mem", "lmdb"}))
        ->capture_default_str();
    cmd->add_option("--clients", o->info.clients, "Connections in parallel threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--seconds", o->info.seconds, "Seconds of each run of each load and latency measurement")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    cmd->add_option("--runs", o->info.runs,
                    "Runs of each load and latency measurement (rates: their median; latency: percentiles "
                    "over all their requests)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--guests", o->info.guests, "Guests the store is loaded with (17 nodes each)")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--watchers", o->info.watchers, "Watches for the fan-out")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--watch-connections", o->info.watch_connections,
                    "Connections the watches are spread over")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--sfstore", o->sfstore, "sfstore binary (default: beside this binary)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout (progress goes to stderr)");
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
