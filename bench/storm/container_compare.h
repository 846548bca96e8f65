// sf-bench storm --kind container: the baselines a container storm is
// compared with in the same run, and the ratios against the targets.
//
// Pure functions over the samples (unit-tested apart from any runtime):
// the bare runtime's runs (`crun run` of a bundle over the same rootfs, one
// after another, each timed to its first output), the same storm without a
// NIC (with --net) and the VM storm at the same N (--compare-vm).
#pragma once

#include "bench/common/stats.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

// One run of the bare runtime: its time from spawning the runtime to the
// container's first output byte, or a failure (the runtime exited non-zero,
// nothing was written before the output closed, or the timeout).
struct BareRun {
    bool ok = false;
    double first_output_ms = 0; // when ok
    std::string error;          // when not ok: one line
};

struct BareSummary {
    size_t runs = 0, failed = 0;
    Summary times; // over the runs that succeeded (all zero when none did)
};

BareSummary summarize_bare(const std::vector<BareRun>& runs);

// A storm run for comparison: how many of its guests were created and their
// median creation time (client side).
struct StormFigure {
    size_t created = 0, failed = 0;
    double median_ms = 0;
};

// What a container storm is compared with, and what it is.
struct ContainerComparison {
    std::string runtime;                  // the OCI runtime: sfd's --oci-runtime and the bare baseline's
    std::optional<size_t> container_pool; // sfd's --container-pool (0: no pool); nullopt: not passed
    bool with_nic = false;                // the storm's containers had a NIC (--net)
    double median_ms = 0;                 // the container storm's median creation time
    size_t created = 0;                   // ... and how many it created
    BareSummary bare;
    std::optional<StormFigure> no_nic; // with --net: the same storm without a NIC
    std::optional<StormFigure> vm;     // with --compare-vm: the VM storm at the same N
};

// numerator / denominator, or nullopt when either side had no success
// (count 0) or the denominator is not positive: a ratio that means nothing
// is null in the JSON, not 0 or infinity.
std::optional<double> median_ratio(double numerator, size_t numerator_count, double denominator,
                                   size_t denominator_count);

struct ContainerRatios {
    std::optional<double> container_bare; // container median / bare runtime median (target <= 1.2)
    std::optional<double> nic_no_nic;     // with NIC / without (target <= 1.3 with the pool)
    std::optional<double> vm_container;   // VM median / container median
};

ContainerRatios container_ratios(const ContainerComparison& c);

inline constexpr double kContainerBareTarget = 1.2;
inline constexpr double kNicTarget = 1.3;

// Adds to a storm's JSON: kind ("container"), runtime, container_pool (null
// when sfd was not given one),
// bare_runtime_runs, bare_runtime_failed, bare_runtime_median_ms,
// bare_runtime_p90_ms, bare_runtime_min_ms, bare_runtime_max_ms,
// ratio_container_bare; with --net no_nic_created, no_nic_failed,
// no_nic_median_ms, ratio_nic_no_nic; with --compare-vm vm_created,
// vm_failed, vm_median_ms, ratio_vm_container. A ratio that means nothing
// (no success on a side) is null.
void add_container_json(const ContainerComparison& c, nlohmann::json& json);

// The human lines: the baselines, the ratios and the targets with verdicts.
std::string format_container_text(const ContainerComparison& c);

// The container targets besides the storm's own failed == 0 (judged by the
// caller): no failed bare run, ratio_container_bare <= 1.2 and, with a NIC
// and the pool, ratio_nic_no_nic <= 1.3 with no failure without the NIC.
bool meets_container_targets(const ContainerComparison& c);

} // namespace sf::bench
