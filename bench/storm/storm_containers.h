// sf-bench storm --kind container: the runs a container storm is compared
// with, in the same invocation, after the container storm itself:
//   - with --net, the same storm without a NIC (sfd started afresh);
//   - with --compare-vm, the VM storm at the same N (the idle image, or ping
//     with --net; 4M each), sfd started afresh;
//   - the bare runtime (bare_runtime.h): --baseline-runs containers (default
//     min(N, 200)) started one after another from a bundle over the same
//     rootfs and args, all kept running until the last, then deleted.
// The comparison runs measure creation times only (a short idle window).
#pragma once

#include "bench/storm/container_compare.h"
#include "bench/storm/storm_run.h"

#include "common/result.h"

#include <CLI/CLI.hpp>

namespace sf::bench {

struct CompareOutcome {
    ContainerComparison comparison;
    bool completed = true; // false: interrupted
    bool clean = true;     // every guest, container and bare container removed, our sfds exited cleanly
};

// `storm` is the container storm's own run with options `o`.
Result<CompareOutcome> compare_container_storm(const StormOptions& o, const StormRun& storm);

// The storm's options for containers: --kind, --rootfs, --arg, --oci-runtime,
// --container-pool, --no-pool, --compare-vm, --baseline-runs.
void add_container_options(CLI::App& cmd, StormOptions& o);
// After parsing: throws CLI::ValidationError if a container option is given
// without --kind container; sets o.container_pool_given.
void check_container_options(const CLI::App& cmd, StormOptions& o);

// The bare runtime runs to make for a storm of n (when --baseline-runs is 0).
size_t default_baseline_runs(size_t n);

} // namespace sf::bench
