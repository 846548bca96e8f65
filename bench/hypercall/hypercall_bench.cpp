// sf-bench hypercall: see hypercall_bench.h.
#include "bench/hypercall/hypercall_bench.h"

#include "bench/common/stats.h"
#include "common/executable_path.h"
#include "vmm/foreground.h"
#include "vmm/guest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <vector>

namespace sf::bench {
namespace {

struct HypercallOptions {
    int runs = 7;
    uint64_t count = 20000;
    std::string backend; // empty: every backend this host has
    bool json = false;
};

class TextConsole final : public vmm::ConsoleSink {
  public:
    void write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
    std::string text;
};

// One hcloop run: nanoseconds per hypercall, as the guest measured them.
Result<double> one_run(const std::shared_ptr<const vmm::Backend>& backend, const vmm::Image& image,
                       uint64_t count) {
    TextConsole console;
    vmm::GuestConfig config;
    config.name = "hcloop";
    config.cmdline = std::to_string(count);
    SF_TRY_ASSIGN(std::unique_ptr<vmm::Guest> guest, vmm::Guest::create(backend, image, config, console));
    SF_TRY_ASSIGN(vmm::ForegroundResult result, vmm::run_foreground(*guest, std::chrono::seconds(60)));
    unsigned long long calls = 0, ns = 0;
    if (result.kind != vmm::ForegroundResult::Kind::Exited ||
        std::sscanf(console.text.c_str(), "hcloop: %llu hypercalls, %llu ns each", &calls, &ns) != 2)
        return error("hcloop did not report (kind {}, {}): {}", static_cast<int>(result.kind), result.reason,
                     console.text);
    return static_cast<double>(ns);
}

// The runs on one backend: the figures of those that reported, and the failed ones counted.
struct BackendRuns {
    std::vector<double> ns;
    int failed = 0;
    std::string first_error;
};

// An error only when the backend cannot be opened here; a failed run is counted and left out.
Result<BackendRuns> measure(vmm::BackendChoice choice, const vmm::Image& image, const HypercallOptions& o) {
    vmm::BackendOptions backend_options;
    backend_options.choice = choice;
    SF_TRY_ASSIGN(std::shared_ptr<const vmm::Backend> backend, vmm::open_backend(backend_options));
    BackendRuns runs;
    for (int i = 0; i < o.runs; ++i) {
        auto ns = one_run(backend, image, o.count);
        if (ns) {
            runs.ns.push_back(*ns);
            continue;
        }
        ++runs.failed;
        if (runs.first_error.empty()) runs.first_error = ns.error().message;
        fmt::print(stderr, "sf-bench hypercall: {} run {} failed (counted, left out): {}\n",
                   vmm::backend_choice_name(choice), i + 1, ns.error().message);
    }
    return runs;
}

// One backend's JSON and text line; false if any run failed.
bool report(const std::string& name, const BackendRuns& runs, const HypercallOptions& o,
            nlohmann::json& out) {
    if (runs.ns.empty()) {
        out = {{"error", runs.first_error}, {"runs_failed", runs.failed}};
        if (!o.json) fmt::print("  {:<8} every run failed ({}): {}\n", name, runs.failed, runs.first_error);
        return false;
    }
    const Summary s = summarize(runs.ns);
    out = {
        {"ns_per_hypercall_median", s.median}, {"min", s.min}, {"max", s.max}, {"runs_failed", runs.failed}};
    if (runs.failed > 0) out["first_error"] = runs.first_error;
    if (!o.json)
        fmt::print(
            "  {:<8} one hypercall round trip: median {:.0f} ns (min {:.0f}, max {:.0f}, {} runs of {}; "
            "{} failed{})\n",
            name, s.median, s.min, s.max, runs.ns.size(), o.count, runs.failed,
            runs.failed > 0 ? ", left out: " + runs.first_error : std::string());
    return runs.failed == 0;
}

int run(const HypercallOptions& o) {
    auto image = vmm::Image::load_file(beside_executable("../guests/hcloop").string());
    if (!image) return fmt::print(stderr, "sf-bench hypercall: {}\n", image.error().message), 1;
    std::vector<vmm::BackendChoice> choices = {vmm::BackendChoice::Kvm, vmm::BackendChoice::Process};
    if (!o.backend.empty()) choices = {*vmm::parse_backend_choice(o.backend)};
    nlohmann::json out = {{"count", o.count}, {"runs", o.runs}, {"backends", nlohmann::json::object()}};
    std::optional<double> kvm_median, process_median;
    bool all_runs_reported = true;
    for (vmm::BackendChoice choice : choices) {
        const std::string name(vmm::backend_choice_name(choice));
        auto runs = measure(choice, *image, o);
        if (!runs) {
            if (!o.backend.empty())
                return fmt::print(stderr, "sf-bench hypercall: {}\n", runs.error().message), 1;
            out["backends"][name] = {{"error", runs.error().message}};
            if (!o.json) fmt::print("  {:<8} not here: {}\n", name, runs.error().message);
            continue;
        }
        all_runs_reported = report(name, *runs, o, out["backends"][name]) && all_runs_reported;
        if (!runs->ns.empty())
            (choice == vmm::BackendChoice::Kvm ? kvm_median : process_median) = summarize(runs->ns).median;
    }
    if (kvm_median && process_median) {
        out["ratio_process_kvm"] = *process_median / *kvm_median;
        if (!o.json) fmt::print("  process / kvm: {:.2f}\n", *process_median / *kvm_median);
    }
    if (o.json) fmt::print("{}\n", out.dump(2));
    return all_runs_reported ? 0 : 1;
}

} // namespace

void add_hypercall_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<HypercallOptions>();
    CLI::App* cmd =
        app.add_subcommand("hypercall", "Cost of one hypercall round trip on each backend (hcloop guest); a "
                                        "failed run is counted (runs_failed) and left out, exit status 1");
    cmd->add_option("--runs", options->runs, "Guest runs per backend")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--count", options->count, "Hypercalls per run")
        ->check(CLI::Range(1, 100000000))
        ->capture_default_str();
    cmd->add_option("--backend", options->backend, "Only this backend (default: every one this host has)")
        ->check(CLI::IsMember({"kvm", "process"}));
    cmd->add_flag("--json", options->json, "Print one JSON object");
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

} // namespace sf::bench
