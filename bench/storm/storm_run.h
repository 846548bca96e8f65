// sf-bench storm: one storm run, without its report, for the storm command
// and for the runs a container storm is compared with (storm_containers.h).
#pragma once

#include "bench/storm/storm_net.h"
#include "bench/storm/storm_summary.h"

#include "common/result.h"

#include <cstddef>
#include <string>
#include <vector>

namespace sf::bench {

struct StormOptions {
    size_t n = 0;
    bool json = false;
    std::string plot, socket, image, mem, sfd;
    std::vector<std::string> sfd_args;
    std::string store;   // mem, none or lmdb: our sfd's --store (empty: sfd's default)
    std::string backend; // our sfd's --backend (empty: sfd's default, $SF_BACKEND or auto)
    int parallel = 1;
    int destroy_parallel = 4; // concurrent connections for the destroys (not timed per guest)
    int rounds = 1;           // create-measure-destroy rounds for the memory figures
    double cpu_seconds = 5;
    double settle_seconds = 1;
    StormNetOptions net; // net.net empty: guests without a NIC
    // --kind container: containers from `rootfs` running `args`, our sfd
    // started with --oci-runtime, --prepare-cgroups and (with --net, or when
    // given) --container-pool.
    std::string kind = "vm";
    std::string rootfs;
    std::vector<std::string> args;
    std::string oci_runtime = "crun";
    size_t container_pool = 8;         // 0: --no-pool
    bool container_pool_given = false; // --container-pool or --no-pool given
    bool compare_vm = false;           // also the VM storm at the same N
    size_t baseline_runs = 0;          // bare runtime runs (0: min(n, 200))
};

struct CreatePhase {
    std::vector<StormSample> samples;
    size_t attempted = 0;
    double total_s = 0;
};

// A storm's samples and readings, and how it ended.
struct StormRun {
    CreatePhase phase;
    StormReadings readings;
    std::string heading;    // what ran where (the human summary's first line)
    std::string backend;    // sfd's /v1/host "backend", when it says
    bool completed = false; // false: interrupted (Ctrl-C) before its figures were complete
    bool clean = true;      // every guest destroyed and our sfd exited cleanly
};

// Starts (or reaches) sfd, runs the storm's phases, destroys its guests and
// stops our sfd. An error is a failure to set up or an sfd that died.
Result<StormRun> run_storm_once(const StormOptions& o);

} // namespace sf::bench
