// sf-bench store (see store_bench.h).
#include "bench/store/store_bench.h"

#include "bench/common/child_process.h"
#include "bench/common/stats.h"
#include "bench/store/store_load.h"
#include "bench/store/store_pipe.h"
#include "bench/store/store_populate.h"
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
    std::string backend = "mem";
    int clients = 4;
    double seconds = 2;
    int runs = 3;
    int guests = 10000;
    int watchers = 10000;
    int watch_connections = 10;
    bool json = false;
    std::string sfstore;
};

struct StoreFigures {
    double read_ops_s = 0, write_ops_s = 0, txn_commits_s = 0, watch_fanout_ms = 0;
    uint64_t errors = 0, conflicts = 0;
    double populate_s = 0;
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
    if (::access(binary.c_str(), X_OK) != 0)
        return error("{}: not executable (build sfstore, or pass --sfstore)", binary);
    std::vector<std::string> argv{binary, "--socket", dir + "/store.sock", "--backend", o.backend};
    if (o.backend == "lmdb") argv.insert(argv.end(), {"--data", dir + "/data"});
    SF_TRY_ASSIGN(auto child, ChildProcess::start(argv, dir + "/sfstore.log", "sfstore"));
    for (auto give_up = Clock::now() + std::chrono::seconds(10); Clock::now() < give_up;) {
        if (!child->running()) return error("sfstore {}\n{}", child->describe_exit(), child->log_tail(10));
        if (StorePipe::connect(dir + "/store.sock").ok()) return child;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return error("sfstore did not listen on {} within 10 s\n{}", dir + "/store.sock", child->log_tail(10));
}

// The median ops/s of `runs` runs of one load.
Result<double> median_rate(LoadKind kind, const LoadSpec& spec, int runs, StoreFigures& figures) {
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
        SF_TRY_ASSIGN(LoadResult result, run_load(kind, spec));
        rates.push_back(result.per_second());
        figures.errors += result.errors, figures.conflicts += result.conflicts;
    }
    return summarize(rates).median;
}

Result<StoreFigures> measure(const StoreOptions& o) {
    ScratchDir dir;
    if (dir.path.empty()) return error("mkdtemp failed");
    SF_TRY_ASSIGN(auto sfstore, start_sfstore(o, dir.path));
    StoreFigures f;
    const std::string socket = dir.path + "/store.sock";
    auto start = Clock::now();
    fmt::print(stderr, "populating {} guests ({} nodes) on the {} back-end...\n", o.guests, o.guests * 17,
               o.backend);
    SF_TRY(populate_store(socket, o.guests));
    f.populate_s = std::chrono::duration<double>(Clock::now() - start).count();
    LoadSpec spec{socket, o.clients, o.seconds, o.guests, 32};
    fmt::print(stderr, "reads...\n");
    SF_TRY_ASSIGN(f.read_ops_s, median_rate(LoadKind::Reads, spec, o.runs, f));
    fmt::print(stderr, "writes...\n");
    SF_TRY_ASSIGN(f.write_ops_s, median_rate(LoadKind::Writes, spec, o.runs, f));
    fmt::print(stderr, "transactions...\n");
    SF_TRY_ASSIGN(f.txn_commits_s, median_rate(LoadKind::Transactions, spec, o.runs, f));
    fmt::print(stderr, "watch fan-out...\n");
    SF_TRY_ASSIGN(auto fanout,
                  measure_watch_fanout(FanoutSpec{socket, o.watchers, o.watch_connections, 2 * o.runs + 1}));
    f.watch_fanout_ms = summarize(fanout).median;
    std::string ended = sfstore->stop();
    if (!sfstore->exited_cleanly()) return error("sfstore {}\n{}", ended, sfstore->log_tail(10));
    return f;
}

void print(const StoreOptions& o, const StoreFigures& f) {
    if (o.json) {
        nlohmann::json j{{"read_ops_s", f.read_ops_s},
                         {"write_ops_s", f.write_ops_s},
                         {"txn_commits_s", f.txn_commits_s},
                         {"watch_fanout_ms", f.watch_fanout_ms},
                         {"backend", o.backend},
                         {"clients", o.clients},
                         {"guests", o.guests}};
        fmt::print("{}\n", j.dump());
        return;
    }
    fmt::print(
        "sf-bench store: backend {}, {} guests ({} nodes, loaded in {:.1f} s), {} clients x 32 in flight, "
        "medians of {} runs of {} s\n",
        o.backend, o.guests, o.guests * 17, f.populate_s, o.clients, o.runs, o.seconds);
    fmt::print("  reads            {:>12.0f} /s   (target in memory >= 200,000)\n", f.read_ops_s);
    fmt::print("  writes           {:>12.0f} /s   (target in memory >= 100,000)\n", f.write_ops_s);
    fmt::print("  txn commits      {:>12.0f} /s   (start, 2 writes, commit)\n", f.txn_commits_s);
    fmt::print("  watch fan-out    {:>12.2f} ms   ({} watches on {} connections; target <= 20)\n",
               f.watch_fanout_ms, o.watchers, o.watch_connections);
    if (f.errors || f.conflicts) fmt::print("  error replies {}, conflicts {}\n", f.errors, f.conflicts);
}

int run(const StoreOptions& o) {
    auto figures = measure(o);
    if (!figures) {
        fmt::print(stderr, "sf-bench store: {}\n", figures.error().message);
        return 1;
    }
    print(o, *figures);
    return 0;
}

} // namespace

void add_store_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<StoreOptions>();
    CLI::App* cmd =
        app.add_subcommand("store", "sfstore over its unix socket: reads/s, writes/s, transaction "
                                    "commits/s and watch fan-out, loaded like 10,000 guests");
    cmd->add_option("--backend", o->backend, "Back-end of the store")
        ->check(CLI::IsMember({"mem", "lmdb"}))
        ->capture_default_str();
    cmd->add_option("--clients", o->clients, "Connections in parallel threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--seconds", o->seconds, "Seconds of each run of each load")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    cmd->add_option("--runs", o->runs, "Runs of each load (medians are reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--guests", o->guests, "Guests the store is loaded with (17 nodes each)")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--watchers", o->watchers, "Watches for the fan-out")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--watch-connections", o->watch_connections, "Connections the watches are spread over")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--sfstore", o->sfstore, "sfstore binary (default: beside this binary)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout (progress goes to stderr)");
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
