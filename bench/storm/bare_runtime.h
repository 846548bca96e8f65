// sf-bench storm --kind container: the bare OCI runtime's baseline.
//
// BareRuntime writes one OCI bundle (in a private temporary directory) that
// runs the storm's program the way sfd runs a container: sfd's own config for
// the storm's rootfs (host::rootfs_config: no terminal, its own user namespace
// with container root as host uid/gid kUidBase, 65536 ids, pid, ipc, uts,
// mount and network namespaces, a read-only root, no_new_privs, sfd's seccomp
// deny list, the same memory limit and 1024 pids), in the runtime's default
// cgroup. create() fails when the program is not in the rootfs. run() starts one container from it with
// `RUNTIME --root DIR/state run --detach --bundle DIR ID` (its state private
// to this run; stdin /dev/null, stdout and stderr
// on pipes) and times it from the spawn to the container's first stdout
// byte; the container is kept running (its pipes stay open here) until the
// destructor, which deletes every container it started (`RUNTIME --root
// DIR/state delete --force ID`, failed ones included) and removes the bundle
// and the state. The host's cgroups must suit the runtime (scripts/cgroups-prepare).
// While it exists the process is a child subreaper, so that the containers'
// first processes (orphaned when `run --detach` returns) are reaped by
// delete_all() rather than left as zombies for pid 1.
//
// Threading: one thread at a time.
#pragma once

#include "bench/storm/container_compare.h"

#include "common/result.h"
#include "common/unique_fd.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sf::bench {

struct BareRuntimeOptions {
    std::string runtime = "crun"; // the runtime's program, searched in PATH
    std::string rootfs;           // absolute
    std::vector<std::string> args;
    uint64_t mem_bytes = 32ull << 20; // the memory cgroup's limit
    std::chrono::milliseconds timeout{10000};
};

class BareRuntime {
  public:
    static constexpr uint32_t kUidBase = 300000; // container root's host uid and gid
    static Result<std::unique_ptr<BareRuntime>> create(BareRuntimeOptions options);
    ~BareRuntime();
    BareRuntime(const BareRuntime&) = delete;
    BareRuntime& operator=(const BareRuntime&) = delete;

    // Starts container number `index` (its id "sfbench-PID-INDEX") and waits
    // for its first output, the runtime's exit, or the timeout.
    BareRun run(size_t index);
    // Deletes the containers started so far; returns how many could not be.
    size_t delete_all();
    const std::string& bundle() const { return dir_; }

  private:
    struct Started {
        std::string id;
        UniqueFd out, err; // read ends, kept open while the container runs
    };
    BareRuntime(BareRuntimeOptions options, std::string dir)
        : options_(std::move(options)), dir_(std::move(dir)) {}

    pid_t container_pid(const std::string& id) const;

    BareRuntimeOptions options_;
    std::string dir_;
    bool became_subreaper_ = false; // set here (PR_SET_CHILD_SUBREAPER), reset by the destructor
    std::vector<Started> started_;
};

} // namespace sf::bench
