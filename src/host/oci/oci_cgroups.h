// superfluid toolstack: the host's cgroups as containers need them.
//
// crun 1.8 refuses to run on a hybrid host (cgroup v1 controllers, a cgroup2
// hierarchy at ROOT/unified) while that cgroup2 hierarchy has a controller
// (cgroup.controllers not empty: "cgroups in hybrid mode not supported, drop
// all controllers from cgroupv2"). A controller leaves cgroup2 once it is
// mounted as a v1 hierarchy: prepare_cgroups() does that (mkdir ROOT/NAME;
// mount -t cgroup -o NAME cgroup ROOT/NAME), check_cgroups() says what is
// missing. `root` is a parameter so that tests use a fake tree.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sf::host {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// The controllers a hybrid host's cgroup2 hierarchy (ROOT/unified) still holds;
// empty on a pure v1 or pure v2 host, or once prepared.
std::vector<std::string> hybrid_controllers(const std::string& root = kCgroupRoot);

// ok, or Unavailable with one line naming the controllers and the fix.
Result<void> check_cgroups(const std::string& root = kCgroupRoot);

// Mounts each controller hybrid_controllers() lists as a v1 hierarchy
// ROOT/NAME, through `mount_v1(directory, controller)` (default: mount(2));
// returns what it mounted.
using MountV1 = std::function<Result<void>(const std::string& directory, const std::string& controller)>;
Result<std::vector<std::string>> prepare_cgroups(const std::string& root = kCgroupRoot,
                                                 MountV1 mount_v1 = {});

// The memory cgroup directory of a container whose cgroupsPath is `path` (cgroup v1).
std::string memory_cgroup_dir(const std::string& path, const std::string& root = kCgroupRoot);
// How many processes the kernel's OOM killer killed in that cgroup
// (memory.oom_control's oom_kill; memory.events' oom_kill on cgroup2); 0 when unreadable.
uint64_t oom_kills(const std::string& cgroup_dir);

} // namespace sf::host
