// sf-bench storm --kind container: the comparison runs; see storm_containers.h.
#include "bench/storm/storm_containers.h"

#include "bench/common/interrupts.h"
#include "bench/common/progress_bar.h"
#include "bench/storm/bare_runtime.h"

#include "common/executable_path.h"
#include "common/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace sf::bench {
namespace {

StormFigure figure(const StormRun& run) {
    const StormSummary s = summarize_storm(run.phase.samples, run.readings);
    return StormFigure{s.created, s.failed, s.median_ms};
}

// A storm of o's N for comparison: no plot, one round, a short idle window.
StormOptions comparison_options(const StormOptions& o) {
    StormOptions c = o;
    c.plot.clear();
    c.rounds = 1;
    c.cpu_seconds = 0.1;
    return c;
}

// Runs a comparison storm; nullopt if interrupted.
Result<std::optional<StormFigure>> comparison_storm(const StormOptions& c, const char* what, bool& clean) {
    fmt::print(stderr, "sf-bench storm: {} at n = {}\n", what, c.n);
    SF_TRY_ASSIGN(StormRun run, run_storm_once(c));
    clean = run.clean && clean;
    if (!run.completed) return std::optional<StormFigure>();
    return std::optional<StormFigure>(figure(run));
}

Result<StormOptions> vm_options(const StormOptions& o) {
    StormOptions vm = comparison_options(o);
    vm.kind = "vm";
    vm.mem = "4M";
    vm.image = beside_executable(o.net.net.empty() ? "../guests/idle" : "../guests/ping").string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(vm.image, ec))
        return error("--compare-vm: {}: no such image (build the guests)", vm.image);
    return vm;
}

// The bare runtime's runs, one after another; all kept running until the
// last, then deleted (`clean` false if any could not be).
Result<std::vector<BareRun>> bare_runs(const StormOptions& o, bool& clean) {
    SF_TRY_ASSIGN(const uint64_t mem, parse_size(o.mem));
    BareRuntimeOptions options;
    options.runtime = o.oci_runtime;
    options.rootfs = o.rootfs;
    options.args = o.args;
    options.mem_bytes = mem;
    SF_TRY_ASSIGN(std::unique_ptr<BareRuntime> runtime, BareRuntime::create(options));
    const size_t count = o.baseline_runs > 0 ? o.baseline_runs : default_baseline_runs(o.n);
    fmt::print(stderr, "sf-bench storm: bare runtime: {} x {} run --detach --bundle {}\n", count,
               o.oci_runtime, runtime->bundle());
    std::vector<BareRun> runs;
    ProgressBar progress("sf-bench storm: bare runtime", count, ProgressBar::stderr_is_tty());
    std::vector<std::string> shown;
    size_t failed = 0;
    for (size_t i = 0; i < count && !interrupted(); ++i) {
        runs.push_back(runtime->run(i));
        const BareRun& run = runs.back();
        if (!run.ok) {
            ++failed;
            if (shown.size() < 5 && std::find(shown.begin(), shown.end(), run.error) == shown.end()) {
                shown.push_back(run.error);
                progress.note(
                    fmt::format("sf-bench storm: bare runtime run {} failed: {}", i + 1, run.error));
            }
        }
        progress.update(runs.size(), failed);
    }
    progress.finish();
    if (const size_t left = runtime->delete_all(); left > 0) {
        fmt::print(stderr, "sf-bench storm: {} bare containers could not be deleted\n", left);
        clean = false;
    }
    return runs;
}

} // namespace

size_t default_baseline_runs(size_t n) {
    return std::min<size_t>(n, 200);
}

Result<CompareOutcome> compare_container_storm(const StormOptions& o, const StormRun& storm) {
    CompareOutcome out;
    ContainerComparison& c = out.comparison;
    c.runtime = o.oci_runtime;
    c.with_nic = !o.net.net.empty();
    if (c.with_nic || o.container_pool_given) c.container_pool = o.container_pool; // what our sfd was given
    const StormFigure own = figure(storm);
    c.median_ms = own.median_ms;
    c.created = own.created;
    if (c.with_nic) {
        StormOptions plain = comparison_options(o);
        plain.net.net.clear();
        SF_TRY_ASSIGN(c.no_nic, comparison_storm(plain, "the same container storm without a NIC", out.clean));
        if (!c.no_nic) {
            out.completed = false;
            return out;
        }
    }
    if (o.compare_vm) {
        SF_TRY_ASSIGN(const StormOptions vm, vm_options(o));
        SF_TRY_ASSIGN(c.vm, comparison_storm(vm, "the VM storm", out.clean));
        if (!c.vm) {
            out.completed = false;
            return out;
        }
    }
    SF_TRY_ASSIGN(const std::vector<BareRun> runs, bare_runs(o, out.clean));
    if (interrupted()) out.completed = false;
    c.bare = summarize_bare(runs);
    return out;
}

void add_container_options(CLI::App& cmd, StormOptions& o) {
    cmd.add_option("--kind", o.kind,
                   "Guest kind: vm, or container (OCI containers of --rootfs running --args; our sfd gets "
                   "--oci-runtime, --prepare-cgroups and --container-pool; the run adds the bare runtime's "
                   "baseline and the ratios)")
        ->check(CLI::IsMember({"vm", "container"}))
        ->capture_default_str();
    cmd.add_option("--rootfs", o.rootfs,
                   "Containers' root filesystem (default: build/rootfs beside this binary)");
    cmd.add_option("--arg", o.args,
                   "Containers' program and its arguments, one word per --arg (--arg=/bin/sh --arg=-c "
                   "--arg='echo hi; sleep 1h'); default /bin/udpecho (it prints its address, then stays up)")
        ->allow_extra_args(false);
    cmd.add_option("--oci-runtime", o.oci_runtime,
                   "OCI runtime: our sfd's --oci-runtime, and the program of the bare baseline (in PATH)")
        ->check(CLI::IsMember({"crun", "runc"}))
        ->capture_default_str();
    cmd.add_option(
           "--container-pool", o.container_pool,
           "Our sfd's --container-pool: network namespaces kept ready per network (passed with --net, "
           "or when given)")
        ->capture_default_str();
    cmd.add_flag_callback(
        "--no-pool", [&o] { o.container_pool = 0; }, "No container ports pool: our sfd's --container-pool 0");
    cmd.add_flag("--compare-vm", o.compare_vm, "With --kind container: also the VM storm at the same N");
    cmd.add_option("--baseline-runs", o.baseline_runs,
                   "With --kind container: bare runtime runs, one after another (default: N, at most 200)");
    cmd.get_option("--no-pool")->excludes("--container-pool");
}

void check_container_options(const CLI::App& cmd, StormOptions& o) {
    o.container_pool_given =
        cmd.get_option("--container-pool")->count() + cmd.get_option("--no-pool")->count() > 0;
    if (o.kind == "container") return;
    for (const char* name : {"--rootfs", "--arg", "--oci-runtime", "--container-pool", "--no-pool",
                             "--compare-vm", "--baseline-runs"})
        if (cmd.get_option(name)->count() > 0) throw CLI::ValidationError(name, "only with --kind container");
}

} // namespace sf::bench
