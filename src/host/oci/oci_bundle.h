// superfluid toolstack: the config.json of a container's OCI bundle.
//
// From a root filesystem (`--rootfs DIR`) sfd writes the whole config
// (rootfs_config): the process (args, PATH, cwd /, no terminal,
// no_new_privs, a small capability set, RLIMIT_NOFILE), its own user
// namespace (container root = an unprivileged host range: root inside is
// not root on the host), pid, ipc, uts, mount and network namespaces, the
// rootfs read-only with /proc, a tmpfs /dev and /tmp, the runtimes'
// masked and read-only paths, a seccomp deny-list (default_seccomp), and
// the limits. From a bundle (`--bundle DIR`) its own config.json is kept
// (bundle_config) but sfd sets what it owns: the limits, the cgroup, stdio
// (no terminal), the network namespace, the root made absolute, and a tmpfs
// /dev when the bundle mounts none (else the runtime would make its device
// nodes in the root directory, which other containers may share).
//
// Pure functions but for reading the bundle's config and checking paths.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sf::host {

struct BundleSettings {
    std::string hostname;
    std::vector<std::string> args; // empty: the bundle's, or /bin/sh for a rootfs
    uint64_t mem_limit = 0;        // bytes (memory cgroup)
    uint64_t pids_limit = 0;       // pids cgroup
    std::string netns;             // a network namespace to join; empty: a new one (only lo)
    std::string cgroups_path;      // "/superfluid/TAG/sf-ID"
    uint32_t uid_base = 0;         // host uid and gid of container root
    uint32_t id_count = 65536;     // ids mapped
};

// The PATH a container's process gets, and where a program name is looked up in a rootfs.
inline constexpr const char* kContainerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The seccomp profile: everything allowed but a deny-list of syscalls a
// container has no business making (keyring, ptrace, mounts, modules,
// kexec, bpf, perf, namespaces of its own, reboot, swap, accounting,
// handle-based opens, ...), which fail with EPERM; clone3 fails with ENOSYS
// (so that libc falls back to clone, whose flags are checked).
nlohmann::json default_seccomp();

// A rootfs's config. InvalidArgument: `rootfs` is not a directory, or the
// program (args[0], absolute or looked up in kContainerPath) is not in it.
Result<nlohmann::json> rootfs_config(const std::string& rootfs, const BundleSettings& settings);

// `bundle`'s config.json with sfd's settings. InvalidArgument naming what is
// wrong: no or malformed config.json, no process or args, no root directory.
Result<nlohmann::json> bundle_config(const std::string& bundle, const BundleSettings& settings);

// Writes `config` as DIR/config.json (DIR made if missing).
Result<void> write_bundle(const std::string& dir, const nlohmann::json& config);

} // namespace sf::host
