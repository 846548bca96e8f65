// sf-bench storm: see storm_bench.h.
//
// Phases: start or reach sfd; let it idle 1 s and read the host's memory
// (memory_parts.h); create guests 1..N (sequentially, or over P connections
// taking the next number in turn); settle 1 s and read the memory again; read
// /proc/stat over the CPU window; destroy every guest created; with --rounds R,
// R - 1 more rounds of settle, read, create, settle, read, destroy for the
// memory figures; stop our sfd; report. A first Ctrl-C
// ends the create phase early and skips to the clean-up; a second one quits
// at once (our sfd then gets SIGTERM as its parent-death signal).
#include "bench/storm/storm_bench.h"
#include "common/executable_path.h"
#include "common/meminfo.h"
#include "common/units.h"

#include "bench/common/interrupts.h"
#include "bench/common/private_netns.h"
#include "bench/common/progress_bar.h"
#include "bench/common/sfd_client.h"
#include "bench/common/sfd_process.h"
#include "bench/storm/container_compare.h"
#include "bench/storm/host_stats.h"
#include "bench/storm/kernel_memory.h"
#include "bench/storm/memory_parts.h"
#include "bench/storm/storm_containers.h"
#include "bench/storm/storm_net.h"
#include "bench/storm/storm_plot.h"
#include "bench/storm/storm_run.h"
#include "bench/storm/storm_summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace sf::bench {
namespace {

// The data directory of our sfd's lmdb store (--store lmdb): made before sfd
// starts, removed after it has stopped.
class StoreDataDir {
  public:
    static Result<std::unique_ptr<StoreDataDir>> create() {
        const char* tmp = std::getenv("TMPDIR");
        std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sf-bench-storm-store-XXXXXX";
        if (::mkdtemp(path.data()) == nullptr) return error("mkdtemp {}: {}", path, std::strerror(errno));
        return std::unique_ptr<StoreDataDir>(new StoreDataDir(std::move(path)));
    }
    ~StoreDataDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    StoreDataDir(const StoreDataDir&) = delete;
    StoreDataDir& operator=(const StoreDataDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    explicit StoreDataDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

// Where the guests go: our own sfd, or a running one.
struct Target {
    std::string socket;
    std::string name_prefix;
    std::unique_ptr<StoreDataDir> store_data; // with --store lmdb; outlives sfd (declared first)
    std::unique_ptr<SfdProcess> sfd;          // null with --socket
    std::string backend;                      // what runs the guests (sfd's /v1/host)
};

// Prints the first few distinct error messages of a phase.
class FailureLog {
  public:
    explicit FailureLog(const char* what) : what_(what) {}
    void record(const std::string& message, ProgressBar& progress) {
        std::lock_guard lock(mutex_);
        if (seen_.size() > kShown || std::find(seen_.begin(), seen_.end(), message) != seen_.end()) return;
        seen_.push_back(message);
        if (seen_.size() <= kShown)
            progress.note(fmt::format("sf-bench storm: {} failed: {}", what_, message));
        else if (seen_.size() == kShown + 1)
            progress.note("sf-bench storm: (further distinct errors not shown)");
    }

  private:
    static constexpr size_t kShown = 5;
    const char* what_;
    std::mutex mutex_;
    std::vector<std::string> seen_;
};

// Calls work(client, i) for i in [0, count) over `parallel` connections, each
// thread taking the next i in turn, until done or stop() says so.
void for_each_guest(const std::string& socket, size_t count, int parallel, const std::function<bool()>& stop,
                    const std::function<void(SfdClient&, size_t)>& work) {
    std::atomic<size_t> next{0};
    auto loop = [&] {
        SfdClient client(socket);
        for (size_t i = next++; i < count && !stop(); i = next++)
            work(client, i);
    };
    if (parallel <= 1) return loop();
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t)
        threads.emplace_back(loop);
    for (std::thread& thread : threads)
        thread.join();
}

// The --overcommit our sfd needs to admit every guest of the storm (idle
// guests touch a fraction of their memory: the storm measures density, so it
// asks sfd to commit more than the host has), unless --sfd-arg gives one.
Result<std::optional<double>> storm_overcommit(const StormOptions& o) {
    for (const std::string& arg : o.sfd_args)
        if (arg.rfind("--overcommit", 0) == 0) return std::optional<double>();
    SF_TRY_ASSIGN(const uint64_t mem, parse_size(o.mem));
    SF_TRY_ASSIGN(const uint64_t total, mem_total());
    constexpr uint64_t kReserve = 256ull << 20; // sfd's default --mem-reserve
    const double budget = total > kReserve ? static_cast<double>(total - kReserve) : 1.0;
    const double needed = static_cast<double>(o.n) * static_cast<double>(mem) / budget * 1.1;
    if (needed <= 1.0) return std::optional<double>();
    return std::optional<double>(std::ceil(needed * 100.0) / 100.0);
}

Result<Target> reach_sfd(const StormOptions& o) {
    Target target;
    if (!o.socket.empty()) {
        target.socket = o.socket;
        target.name_prefix = fmt::format("storm-{}-", ::getpid());
        SfdClient client(o.socket);
        auto host = client.host();
        if (!host) return error("no sfd answering on {}: {}", o.socket, host.error().message);
        return target;
    }
    const std::string binary = o.sfd.empty() ? beside_executable("sfd").string() : o.sfd;
    std::vector<std::string> args = o.sfd_args;
    if (!o.store.empty()) args.insert(args.end(), {"--store", o.store});
    if (!o.backend.empty()) args.insert(args.end(), {"--backend", o.backend});
    if (o.kind == "container") {
        args.insert(args.end(), {"--oci-runtime", o.oci_runtime, "--prepare-cgroups"});
        // The pool is per network: without --net it matters only when asked for.
        if (!o.net.net.empty() || o.container_pool_given)
            args.insert(args.end(), {"--container-pool", std::to_string(o.container_pool)});
    }
    SF_TRY_ASSIGN(const std::optional<double> overcommit, storm_overcommit(o));
    if (overcommit) {
        args.insert(args.end(), {"--overcommit", fmt::format("{:.2f}", *overcommit)});
        fmt::print(
            stderr,
            "sf-bench storm: {} guests of {} commit more than this host's memory: sfd --overcommit {:.2f}\n",
            o.n, o.mem, *overcommit);
    }
    if (o.store == "lmdb") {
        SF_TRY_ASSIGN(target.store_data, StoreDataDir::create());
        args.insert(args.end(), {"--store-data", target.store_data->path()});
    }
    SF_TRY_ASSIGN(target.sfd, SfdProcess::start(binary, args));
    SF_TRY(target.sfd->wait_ready(std::chrono::seconds(10)));
    target.socket = target.sfd->socket_path();
    target.name_prefix = "storm-";
    if (!o.net.net.empty()) {
        SfdClient client(target.socket);
        SF_TRY(client.create_network(o.net.net, o.net.subnet));
    }
    return target;
}

// Creates one guest (and with --net waits for its first ping reply) into
// `sample`; a guest that exists but does not answer keeps its id (to be
// destroyed) with created = false.
Result<void> create_one(SfdClient& client, const GuestRequest& request, const StormOptions& o,
                        StormSample& sample) {
    if (o.net.net.empty()) {
        SF_TRY_ASSIGN(CreatedGuest guest, client.create_guest(request));
        sample = StormSample{true, guest.client_ms, guest.first_output_ms, guest.id};
        return ok();
    }
    SF_TRY_ASSIGN(NetCreated created, create_and_ping(client, request, o.net));
    const CreatedGuest& guest = created.guest;
    sample = StormSample{created.answered.ok(), guest.client_ms, guest.first_output_ms, guest.id};
    return std::move(created.answered);
}

CreatePhase create_guests(const StormOptions& o, const Target& target) {
    CreatePhase phase;
    phase.samples.resize(o.n);
    ProgressBar progress("sf-bench storm: creating", o.n, ProgressBar::stderr_is_tty());
    FailureLog failures("create");
    std::atomic<size_t> done{0}, failed{0};
    const auto start = std::chrono::steady_clock::now();
    for_each_guest(target.socket, o.n, o.parallel, interrupted, [&](SfdClient& client, size_t i) {
        GuestRequest request;
        request.kind = o.kind;
        request.name = target.name_prefix + std::to_string(i + 1);
        request.image = o.image;
        request.rootfs = o.rootfs;
        request.args = o.args;
        request.mem = o.mem;
        request.net = o.net.net;
        auto created = create_one(client, request, o, phase.samples[i]);
        if (!created) {
            ++failed;
            failures.record(created.error().message, progress);
        }
        progress.update(++done, failed.load());
    });
    phase.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    phase.attempted = done.load();
    progress.finish();
    return phase;
}

// The daemon's process tree, when sf-bench started it (and it can be read).
std::optional<TreeUsage> sfd_usage(const Target& target) {
    if (!target.sfd) return std::nullopt;
    auto usage = read_tree_usage(target.sfd->pid());
    return usage ? std::optional<TreeUsage>(*usage) : std::nullopt;
}

// The host's memory now: the kernel's counters and, when ours, sfd's tree.
Result<MemoryReading> read_memory(const Target& target) {
    MemoryReading reading;
    SF_TRY_ASSIGN(reading.kernel, read_kernel_memory());
    if (auto tree = sfd_usage(target)) reading.tree_pss = tree->pss;
    reading.kvm_slab = read_kvm_slab();
    return reading;
}

size_t count_created(const std::vector<StormSample>& samples) {
    return static_cast<size_t>(
        std::count_if(samples.begin(), samples.end(), [](const StormSample& s) { return s.created; }));
}

// The machine's CPU use over a window, and that window's clock tick and length.
struct CpuWindow {
    double pct = 0, tick_pct = 0, seconds = 0;
};

// CPU use over `seconds` from now; nullopt if interrupted.
Result<std::optional<CpuWindow>> cpu_window(double seconds) {
    const auto start = std::chrono::steady_clock::now();
    SF_TRY_ASSIGN(CpuTimes before, read_cpu_times());
    if (!pause_for(seconds)) return std::optional<CpuWindow>();
    SF_TRY_ASSIGN(CpuTimes after, read_cpu_times());
    return std::optional<CpuWindow>(
        CpuWindow{cpu_use_pct(before, after), cpu_tick_pct(before, after),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
}

// The memory after settling, then CPU use over the window; false if interrupted.
Result<bool> measure_idle(const StormOptions& o, const Target& target, StormReadings& readings,
                          MemoryRound& round) {
    if (!pause_for(o.settle_seconds)) return false;
    SF_TRY_ASSIGN(round.after, read_memory(target));
    const std::optional<TreeUsage> tree_before = sfd_usage(target);
    if (ProgressBar::stderr_is_tty())
        fmt::print(stderr, "sf-bench storm: measuring idle CPU over {:g} s\n", o.cpu_seconds);
    SF_TRY_ASSIGN(const std::optional<CpuWindow> window, cpu_window(o.cpu_seconds));
    if (!window) return false;
    readings.idle_cpu_pct = window->pct;
    readings.idle_cpu_tick_pct = window->tick_pct;
    const std::optional<TreeUsage> tree_after = sfd_usage(target);
    if (tree_before && tree_after) {
        readings.sfd_cpu_pct = tree_cpu_pct(*tree_before, *tree_after, window->seconds);
        readings.sfd_cpu_tick_pct = tree_tick_pct(window->seconds);
    }
    return true;
}

// Destroys every created guest; returns how many could not be destroyed.
size_t destroy_guests(const StormOptions& o, const Target& target, const std::vector<StormSample>& samples) {
    std::vector<uint64_t> ids;
    for (const StormSample& s : samples)
        if (s.id != 0) ids.push_back(s.id); // created, or (--net) created but not answering
    ProgressBar progress("sf-bench storm: destroying", ids.size(), ProgressBar::stderr_is_tty());
    FailureLog failures("destroy");
    std::atomic<size_t> done{0}, failed{0};
    const auto never = [] { return false; };
    for_each_guest(target.socket, ids.size(), o.destroy_parallel, never, [&](SfdClient& client, size_t i) {
        auto destroyed = client.destroy_guest(ids[i]);
        if (!destroyed) {
            ++failed;
            failures.record(destroyed.error().message, progress);
        }
        progress.update(++done, failed.load());
    });
    progress.finish();
    return failed.load();
}

std::string today() {
    std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d", std::localtime(&now));
    return text;
}

Result<void> write_plot(const StormOptions& o, const std::vector<StormSample>& samples,
                        const StormSummary& summary) {
    LinePlot plot = storm_plot(samples, summary, today());
    if (o.kind == "container")
        plot.title = fmt::format("Container storm ({}): creation time of the n-th container, N = {} ({})",
                                 o.oci_runtime, summary.n, today());
    std::ofstream out(o.plot);
    out << render_svg(plot);
    out.close();
    if (!out) return error("cannot write {}", o.plot);
    return ok();
}

// The store's figures in sfd's /v1/host, if it answers and reports them.
std::optional<StoreReading> read_store(const Target& target) {
    SfdClient client(target.socket);
    auto host = client.host();
    return host ? parse_store_reading(*host) : std::nullopt;
}

// Our sfd's --container-pool as the heading shows it ("" when not passed).
std::string pool_text(const StormOptions& o) {
    if (o.net.net.empty() && !o.container_pool_given) return "";
    return fmt::format(", --container-pool {}", o.container_pool);
}

std::string heading(const StormOptions& o, const Target& target) {
    const std::string nic = o.net.net.empty()
                                ? ""
                                : fmt::format(", a NIC each on {} ({}; created = answering its first ping)",
                                              o.net.net, o.net.subnet);
    const std::string store =
        o.store.empty() ? ""
                        : fmt::format(" with --store {}{}", o.store,
                                      target.store_data ? " --store-data " + target.store_data->path() : "");
    const std::string what = o.kind == "container"
                                 ? fmt::format("containers of {} running {} ({}{})", o.rootfs,
                                               fmt::join(o.args, " "), o.oci_runtime, pool_text(o))
                                 : "guests of " + o.image;
    return fmt::format("sf-bench storm: {} {} ({} each{}), {}; sfd {}{}{}\n", o.n, what, o.mem, nic,
                       o.parallel > 1 ? fmt::format("{} concurrent connections", o.parallel) : "sequential",
                       target.sfd ? fmt::format("started on {}", target.socket) : "at " + target.socket,
                       store, target.backend.empty() ? "" : "; backend " + target.backend);
}

// Destroys the guests of a round; false if any could not be.
bool destroy_round(const StormOptions& o, const Target& target, const std::vector<StormSample>& samples) {
    const size_t left = destroy_guests(o, target, samples);
    if (left > 0) fmt::print(stderr, "sf-bench storm: {} guests could not be destroyed\n", left);
    return left == 0;
}

// A round after the first, for the memory figures only: settle, read, create
// N, settle, read, destroy. Appends it to readings.memory; false if interrupted.
Result<bool> memory_round(const StormOptions& o, const Target& target, StormReadings& readings, bool& clean) {
    if (!pause_for(o.settle_seconds)) return false;
    MemoryRound round;
    SF_TRY_ASSIGN(round.before, read_memory(target));
    const CreatePhase phase = create_guests(o, target);
    round.created = count_created(phase.samples);
    readings.later_rounds_failed += o.n - round.created;
    Result<MemoryReading> after = error("interrupted");
    const bool settled = !interrupted() && pause_for(o.settle_seconds);
    if (settled) after = read_memory(target);
    clean = destroy_round(o, target, phase.samples) && clean;
    if (!settled) return false;
    SF_TRY_ASSIGN(round.after, std::move(after));
    readings.memory.push_back(round);
    return true;
}

// Ends the run: stops our sfd. Returns false if it did not exit cleanly.
bool stop_sfd(Target& target) {
    bool clean = true;
    if (target.sfd) {
        std::string ended = target.sfd->stop();
        if (!target.sfd->exited_cleanly()) {
            fmt::print(stderr, "sf-bench storm: sfd {}\n{}\n", ended, target.sfd->log_tail(10));
            clean = false;
        }
    }
    return clean;
}

} // namespace

Result<StormRun> run_storm_once(const StormOptions& o) {
    SF_TRY_ASSIGN(Target target, reach_sfd(o));
    StormRun run;
    if (!pause_for(o.settle_seconds)) return run; // interrupted before the first create
    SF_TRY_ASSIGN(const std::optional<CpuWindow> before, cpu_window(o.cpu_seconds)); // no guest yet
    if (!before) return run;
    run.readings.idle_cpu_pct_before = before->pct;
    MemoryRound first;
    SF_TRY_ASSIGN(first.before, read_memory(target));
    run.readings.store_before = read_store(target);
    run.phase = create_guests(o, target);
    run.readings.total_s = run.phase.total_s;
    first.created = count_created(run.phase.samples);
    run.readings.store_after = read_store(target);
    if (auto host = SfdClient(target.socket).host()) target.backend = host->value("backend", "");
    auto measured = interrupted() ? Result<bool>(false) : measure_idle(o, target, run.readings, first);
    if (target.sfd && !target.sfd->running())
        return error("sfd {} during the storm\n{}", target.sfd->stop(), target.sfd->log_tail(10));
    const auto destroy_start = std::chrono::steady_clock::now();
    run.clean = destroy_round(o, target, run.phase.samples);
    run.readings.destroy_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - destroy_start).count();
    run.readings.memory.push_back(first);
    for (int round = 2; round <= o.rounds && measured && *measured; ++round)
        measured = memory_round(o, target, run.readings, run.clean);
    run.clean = stop_sfd(target) && run.clean;
    if (!measured) return std::move(measured).error();
    run.completed = *measured;
    run.heading = heading(o, target);
    run.backend = target.backend;
    return run;
}

namespace {

int report(const StormOptions& o, const StormRun& run, const ContainerComparison* containers) {
    const StormSummary summary = summarize_storm(run.phase.samples, run.readings);
    std::FILE* text_out = o.json ? stderr : stdout;
    fmt::print(text_out, "{}{}", run.heading, format_text(summary, containers == nullptr));
    if (!o.net.net.empty())
        fmt::print(text_out,
                   "  with --net a creation time runs from the request to the guest's first ping reply; "
                   "targets with a NIC: {}\n",
                   containers ? "<= 1.3x the same storm without --net (with the pool)"
                              : "last_ms <= 20 and <= 1.5x a storm without --net");
    if (containers)
        fmt::print(text_out, "{}  container targets (and failed == 0, 1,000 in the issue): {}\n",
                   format_container_text(*containers),
                   summary.failed == 0 && meets_container_targets(*containers) ? "met" : "MISSED");
    if (o.json) {
        nlohmann::json json = to_json(summary);
        if (!run.backend.empty()) json["backend"] = run.backend; // a real sfd's; sf-fake-sfd has none
        if (!o.net.net.empty()) json["with_nic"] = true;
        if (containers) add_container_json(*containers, json);
        fmt::print("{}\n", json.dump());
    }
    if (!o.plot.empty()) {
        auto written = write_plot(o, run.phase.samples, summary);
        if (!written)
            fmt::print(stderr, "sf-bench storm: {}\n", written.error().message);
        else
            fmt::print(text_out, "  plot: {}\n", o.plot);
        if (!written) return 1;
    }
    const bool bare_ok = containers == nullptr || containers->bare.failed == 0;
    return summary.failed == 0 && summary.later_rounds_failed == 0 && bare_ok ? 0 : 1;
}

Result<int> run_storm(const StormOptions& o) {
    SF_TRY_ASSIGN(StormRun run, run_storm_once(o));
    std::optional<ContainerComparison> containers;
    if (run.completed && o.kind == "container") {
        SF_TRY_ASSIGN(CompareOutcome compared, compare_container_storm(o, run));
        run.clean = compared.clean && run.clean;
        run.completed = compared.completed;
        containers = std::move(compared.comparison);
    }
    if (!run.completed) {
        fmt::print(stderr, "sf-bench storm: interrupted after {} of {} creates\n", run.phase.attempted, o.n);
        return 130;
    }
    const int status = report(o, run, containers ? &*containers : nullptr);
    return run.clean ? status : 1;
}

// storm --net outside a namespace: raises the host's neighbour table limits
// (kernel-wide) for the run and runs itself again under scripts/testns.
int run_in_namespace(const StormOptions& o) {
    if (::geteuid() != 0) {
        fmt::print(stderr, "sf-bench storm --net: must run as root (TAP devices, network namespaces)\n");
        return 1;
    }
    auto limits = NeighbourTableLimits::raise(storm_neighbour_entries(o.n));
    if (!limits) {
        fmt::print(stderr, "sf-bench storm: {}\n", limits.error().message);
        return 1;
    }
    const auto& v = (*limits)->new_values();
    fmt::print(stderr, "sf-bench storm: net.ipv4.neigh.default.gc_thresh1/2/3 = {}/{}/{} for this run\n",
               v[0], v[1], v[2]);
    auto status = rerun_inside_testns("sf-bench storm");
    if (!status) fmt::print(stderr, "sf-bench storm: {}\n", status.error().message);
    return status ? *status : 1; // the limits are restored here
}

// The guest image (VMs) or root filesystem (containers), absolute; false
// after one line on stderr if it is missing.
bool resolve_payload(StormOptions& o) {
    std::error_code ec;
    if (o.kind == "container") {
        if (o.rootfs.empty()) o.rootfs = beside_executable("../rootfs").string();
        o.rootfs = std::filesystem::absolute(o.rootfs, ec).lexically_normal().string();
        if (o.args.empty()) o.args = {"/bin/udpecho"};
        if (o.mem.empty()) o.mem = "32M";
        if (std::filesystem::is_directory(o.rootfs, ec)) return true;
        fmt::print(stderr,
                   "sf-bench storm: {}: no such directory (build the rootfs target, or pass --rootfs)\n",
                   o.rootfs);
        return false;
    }
    if (o.mem.empty()) o.mem = "4M";
    if (o.image.empty())
        o.image = beside_executable(o.net.net.empty() ? "../guests/idle" : "../guests/ping").string();
    o.image = std::filesystem::absolute(o.image, ec).lexically_normal().string();
    if (std::filesystem::is_regular_file(o.image, ec)) return true;
    fmt::print(stderr, "sf-bench storm: {}: no such image (build the guests, or pass --image)\n", o.image);
    return false;
}

int run(StormOptions options) {
    if (!options.net.net.empty() && !inside_testns()) return run_in_namespace(options);
    if (!resolve_payload(options)) return 1;
    InterruptGuard guard;
    auto status = run_storm(options);
    if (!status) {
        fmt::print(stderr, "sf-bench storm: {}\n", status.error().message);
        return 1;
    }
    return *status;
}

} // namespace

void add_storm_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<StormOptions>();
    CLI::App* cmd =
        app.add_subcommand("storm", "Boot storm: create N idle guests through sfd as fast as possible, "
                                    "keep them alive, measure memory and idle CPU, destroy them");
    cmd->add_option("-n", o->n, "Number of guests")->required()->check(CLI::Range(1, 1000000));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout (the human summary goes to stderr)");
    cmd->add_option("--plot", o->plot,
                    "Write the creation time of the n-th guest as an SVG plot to this file");
    cmd->add_option("--socket", o->socket, "Use the sfd running on this unix socket instead of starting one");
    cmd->add_option("--image", o->image,
                    "Guest image (default: build/guests/idle beside this binary; ping with --net)");
    cmd->add_option("--mem", o->mem,
                    "Guest memory size, as the API takes it (default 4M; a container's memory limit, 32M)");
    cmd->add_option("--parallel", o->parallel, "Concurrent client connections")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option(
           "--destroy-parallel", o->destroy_parallel,
           "Concurrent client connections for the destroys at the end (their wall time is destroy_s)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--backend", o->backend, "Our sfd's --backend: kvm, process or auto")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND");
    cmd->add_option("--sfd", o->sfd, "sfd binary to start (default: sfd beside this binary)");
    cmd->add_option("--sfd-arg", o->sfd_args,
                    "Extra argument for the sfd started, once per word: "
                    "--sfd-arg=--workers --sfd-arg=2")
        ->allow_extra_args(false);
    cmd->add_option(
           "--store", o->store,
           "Store back-end of the sfd started (its --store): mem, none (no records), or lmdb (durable, "
           "in a temporary --store-data directory removed at the end); default: sfd's own (mem). "
           "The summary reports the store's mean time per create and its share of the median")
        ->check(CLI::IsMember({"mem", "none", "lmdb"}));
    cmd->add_option("--rounds", o->rounds,
                    "Create-measure-destroy rounds for the memory figures (median, min and max over them); "
                    "creation times and idle CPU are the first round's")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--cpu-seconds", o->cpu_seconds, "Window of the idle CPU measurement")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    cmd->add_option("--settle-seconds", o->settle_seconds, "Idle time before each memory reading")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    cmd->add_option("--net", o->net.net,
                    "Give every guest a NIC on a network of this name (created in our sfd; also the uplink "
                    "TAP's name); a guest counts as created when it answers its first ping. Root; runs in a "
                    "private network namespace (scripts/testns) and raises gc_thresh for the run");
    cmd->add_option("--subnet", o->net.subnet, "Subnet of the --net network")->capture_default_str();
    add_container_options(*cmd, *o);
    cmd->get_option("--socket")->excludes("--sfd");
    cmd->get_option("--socket")->excludes("--net");
    cmd->get_option("--socket")->excludes("--store");
    cmd->callback([o, cmd, &exit_code] {
        check_container_options(*cmd, *o);
        exit_code = run(*o);
    });
}

} // namespace sf::bench
