// sf-bench storm --kind container: baselines and ratios; see container_compare.h.
#include "bench/storm/container_compare.h"

#include <fmt/format.h>

#include <cmath>

namespace sf::bench {
namespace {

double round3(double value) {
    return std::round(value * 1000.0) / 1000.0;
}

nlohmann::json ratio_json(std::optional<double> ratio) {
    return ratio ? nlohmann::json(round3(*ratio)) : nlohmann::json(nullptr);
}

std::string ratio_text(std::optional<double> ratio) {
    return ratio ? fmt::format("{:.3f}x", *ratio) : std::string("n/a (no success on a side)");
}

const char* verdict(std::optional<double> ratio, double target) {
    if (!ratio) return "MISSED (no figure)";
    return *ratio <= target ? "ok" : "MISSED";
}

} // namespace

BareSummary summarize_bare(const std::vector<BareRun>& runs) {
    BareSummary s;
    s.runs = runs.size();
    std::vector<double> times;
    for (const BareRun& run : runs) {
        if (run.ok)
            times.push_back(run.first_output_ms);
        else
            ++s.failed;
    }
    s.times = summarize(std::move(times));
    return s;
}

std::optional<double> median_ratio(double numerator, size_t numerator_count, double denominator,
                                   size_t denominator_count) {
    if (numerator_count == 0 || denominator_count == 0 || !(denominator > 0)) return std::nullopt;
    return numerator / denominator;
}

ContainerRatios container_ratios(const ContainerComparison& c) {
    ContainerRatios r;
    r.container_bare = median_ratio(c.median_ms, c.created, c.bare.times.median, c.bare.runs - c.bare.failed);
    if (c.no_nic) r.nic_no_nic = median_ratio(c.median_ms, c.created, c.no_nic->median_ms, c.no_nic->created);
    if (c.vm) r.vm_container = median_ratio(c.vm->median_ms, c.vm->created, c.median_ms, c.created);
    return r;
}

void add_container_json(const ContainerComparison& c, nlohmann::json& json) {
    const ContainerRatios r = container_ratios(c);
    json["kind"] = "container";
    json["runtime"] = c.runtime;
    json["container_pool"] = c.container_pool ? nlohmann::json(*c.container_pool) : nlohmann::json(nullptr);
    json["bare_runtime_runs"] = c.bare.runs;
    json["bare_runtime_failed"] = c.bare.failed;
    json["bare_runtime_median_ms"] = round3(c.bare.times.median);
    json["bare_runtime_p90_ms"] = round3(c.bare.times.p90);
    json["bare_runtime_min_ms"] = round3(c.bare.times.min);
    json["bare_runtime_max_ms"] = round3(c.bare.times.max);
    json["ratio_container_bare"] = ratio_json(r.container_bare);
    if (c.no_nic) {
        json["no_nic_created"] = c.no_nic->created;
        json["no_nic_failed"] = c.no_nic->failed;
        json["no_nic_median_ms"] = round3(c.no_nic->median_ms);
        json["ratio_nic_no_nic"] = ratio_json(r.nic_no_nic);
    }
    if (c.vm) {
        json["vm_created"] = c.vm->created;
        json["vm_failed"] = c.vm->failed;
        json["vm_median_ms"] = round3(c.vm->median_ms);
        json["ratio_vm_container"] = ratio_json(r.vm_container);
    }
}

bool meets_container_targets(const ContainerComparison& c) {
    const ContainerRatios r = container_ratios(c);
    if (c.bare.failed > 0 || !r.container_bare || *r.container_bare > kContainerBareTarget) return false;
    if (c.with_nic && c.container_pool.value_or(0) > 0) {
        if (!c.no_nic || c.no_nic->failed > 0 || !r.nic_no_nic || *r.nic_no_nic > kNicTarget) return false;
    }
    return true;
}

std::string format_container_text(const ContainerComparison& c) {
    const ContainerRatios r = container_ratios(c);
    std::string out = fmt::format(
        "  bare runtime ({} run --detach of the same rootfs, one after another, to first output): "
        "{} runs, {} failed; ms median {:.3f}  p90 {:.3f}  min {:.3f}  max {:.3f}\n",
        c.runtime, c.bare.runs, c.bare.failed, c.bare.times.median, c.bare.times.p90, c.bare.times.min,
        c.bare.times.max);
    out += fmt::format("  container median / bare runtime median: {} (target <= {:g}: {})\n",
                       ratio_text(r.container_bare), kContainerBareTarget,
                       verdict(r.container_bare, kContainerBareTarget));
    if (c.no_nic) {
        out += fmt::format("  the same storm without a NIC: created {}, failed {}, median {:.3f} ms\n",
                           c.no_nic->created, c.no_nic->failed, c.no_nic->median_ms);
        out += fmt::format("  with NIC / without NIC (medians): {} (target <= {:g} with the pool: {})\n",
                           ratio_text(r.nic_no_nic), kNicTarget,
                           c.container_pool.value_or(0) > 0 ? verdict(r.nic_no_nic, kNicTarget)
                                                            : "not judged, no pool");
    }
    if (c.vm)
        out +=
            fmt::format("  VM storm at the same N: created {}, failed {}, median {:.3f} ms; VM / container "
                        "(medians): {}\n",
                        c.vm->created, c.vm->failed, c.vm->median_ms, ratio_text(r.vm_container));
    return out;
}

} // namespace sf::bench
