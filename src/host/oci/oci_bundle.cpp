// superfluid toolstack: OCI bundle configs for containers.
#include "host/oci/oci_bundle.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sf::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

template <typename... Args> Error invalid(fmt::format_string<Args...> format, Args&&... args) {
    return error(ErrorKind::InvalidArgument, format, std::forward<Args>(args)...);
}

constexpr uint32_t kCloneNewUser = 0x10000000;

const std::vector<std::string>& denied_syscalls() {
    static const std::vector<std::string> names = {"acct",
                                                   "add_key",
                                                   "bpf",
                                                   "clock_adjtime",
                                                   "clock_settime",
                                                   "create_module",
                                                   "delete_module",
                                                   "finit_module",
                                                   "fsconfig",
                                                   "fsmount",
                                                   "fsopen",
                                                   "fspick",
                                                   "get_kernel_syms",
                                                   "get_mempolicy",
                                                   "init_module",
                                                   "ioperm",
                                                   "iopl",
                                                   "kcmp",
                                                   "kexec_file_load",
                                                   "kexec_load",
                                                   "keyctl",
                                                   "lookup_dcookie",
                                                   "mbind",
                                                   "mount",
                                                   "mount_setattr",
                                                   "move_mount",
                                                   "move_pages",
                                                   "name_to_handle_at",
                                                   "nfsservctl",
                                                   "open_by_handle_at",
                                                   "open_tree",
                                                   "perf_event_open",
                                                   "pivot_root",
                                                   "process_vm_readv",
                                                   "process_vm_writev",
                                                   "ptrace",
                                                   "query_module",
                                                   "quotactl",
                                                   "reboot",
                                                   "request_key",
                                                   "set_mempolicy",
                                                   "setns",
                                                   "settimeofday",
                                                   "stime",
                                                   "swapoff",
                                                   "swapon",
                                                   "sysfs",
                                                   "syslog",
                                                   "umount",
                                                   "umount2",
                                                   "unshare",
                                                   "uselib",
                                                   "userfaultfd",
                                                   "ustat",
                                                   "vm86",
                                                   "vm86old",
                                                   "_sysctl"};
    return names;
}

// Capabilities the runtimes give by default (within the container's own user namespace).
json default_capabilities() {
    const json caps = {
        "CAP_CHOWN",      "CAP_DAC_OVERRIDE", "CAP_FOWNER",      "CAP_FSETID",           "CAP_KILL",
        "CAP_SETGID",     "CAP_SETUID",       "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
        "CAP_SYS_CHROOT", "CAP_MKNOD",        "CAP_AUDIT_WRITE", "CAP_SETFCAP"};
    return {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
}

json namespaces(const BundleSettings& s) {
    json list = {
        {{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "user"}}};
    list.push_back(s.netns.empty() ? json{{"type", "network"}}
                                   : json{{"type", "network"}, {"path", s.netns}});
    return list;
}

// /dev as a tmpfs of the container's own: the runtime makes its device
// nodes there, never in the root directory (which containers may share).
json dev_mount() {
    return {{"destination", "/dev"},
            {"type", "tmpfs"},
            {"source", "tmpfs"},
            {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}};
}

json mounts(const BundleSettings& s) {
    const uint64_t tmp_bytes = std::min<uint64_t>(s.mem_limit / 4, 16ull << 20);
    return {
        {{"destination", "/proc"},
         {"type", "proc"},
         {"source", "proc"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        dev_mount(),
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=1m"}}},
        {{"destination", "/tmp"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options",
          {"nosuid", "nodev", "mode=1777", fmt::format("size={}", std::max<uint64_t>(tmp_bytes, 4096))}}},
    };
}

// The settings sfd owns in any config: limits, cgroup, netns, stdio.
void apply(json& config, const BundleSettings& s) {
    json& linux = config["linux"];
    linux["cgroupsPath"] = s.cgroups_path;
    json& resources = linux["resources"];
    resources["memory"] = {{"limit", s.mem_limit}};
    resources["pids"] = {{"limit", s.pids_limit}};
    json& list = linux["namespaces"];
    if (!list.is_array()) list = json::array();
    json kept = json::array();
    for (const json& ns : list)
        if (!ns.is_object() || ns.value("type", "") != "network") kept.push_back(ns);
    kept.push_back(s.netns.empty() ? json{{"type", "network"}}
                                   : json{{"type", "network"}, {"path", s.netns}});
    list = std::move(kept);
    config["process"]["terminal"] = false;
    if (!s.args.empty()) config["process"]["args"] = s.args;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The program `name` in `rootfs`: absolute, or looked up in kContainerPath (a symlink counts, not followed).
bool has_program(const std::string& rootfs, const std::string& name) {
    auto exists = [&](const std::string& inside) {
        struct stat st {};
        return ::lstat((rootfs + inside).c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
    };
    if (name.find('/') != std::string::npos) return name.front() == '/' && exists(name);
    std::stringstream path(kContainerPath);
    std::string dir;
    while (std::getline(path, dir, ':'))
        if (exists(dir + "/" + name)) return true;
    return false;
}

} // namespace

json default_seccomp() {
    json syscalls = json::array();
    syscalls.push_back({{"names", denied_syscalls()}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}});
    syscalls.push_back({{"names", {"clone3"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}});
    // clone with CLONE_NEWUSER: no user namespace of its own.
    syscalls.push_back({{"names", {"clone"}},
                        {"action", "SCMP_ACT_ERRNO"},
                        {"errnoRet", 1},
                        {"args",
                         {{{"index", 0},
                           {"value", kCloneNewUser},
                           {"valueTwo", kCloneNewUser},
                           {"op", "SCMP_CMP_MASKED_EQ"}}}}});
    return {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
            {"syscalls", syscalls}};
}

Result<json> rootfs_config(const std::string& rootfs, const BundleSettings& s) {
    if (!is_directory(rootfs)) return invalid("rootfs: {} is not a directory", rootfs);
    const std::vector<std::string> args = s.args.empty() ? std::vector<std::string>{"/bin/sh"} : s.args;
    if (!has_program(rootfs, args.front()))
        return invalid("args: no program {} in the rootfs {} (looked for in {})", args.front(), rootfs,
                       args.front().find('/') != std::string::npos ? "/" : kContainerPath);
    json config = {
        {"ociVersion", "1.0.2"},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", args},
          {"env", {fmt::format("PATH={}", kContainerPath), "HOME=/", "TERM=dumb"}},
          {"cwd", "/"},
          {"noNewPrivileges", true},
          {"capabilities", default_capabilities()},
          {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}}}},
        {"root", {{"path", rootfs}, {"readonly", true}}},
        {"hostname", s.hostname},
        {"mounts", mounts(s)},
        {"linux",
         {{"uidMappings", {{{"containerID", 0}, {"hostID", s.uid_base}, {"size", s.id_count}}}},
          {"gidMappings", {{{"containerID", 0}, {"hostID", s.uid_base}, {"size", s.id_count}}}},
          {"namespaces", namespaces(s)},
          {"seccomp", default_seccomp()},
          {"maskedPaths",
           {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}},
          {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
    };
    apply(config, s);
    return config;
}

Result<json> bundle_config(const std::string& bundle, const BundleSettings& s) {
    if (!is_directory(bundle)) return invalid("bundle: {} is not a directory", bundle);
    std::ifstream in(bundle + "/config.json");
    if (!in) return invalid("bundle: no {}/config.json", bundle);
    json config = json::parse(in, nullptr, false);
    if (!config.is_object()) return invalid("bundle: {}/config.json is not a JSON object", bundle);
    const json* process = config.contains("process") ? &config["process"] : nullptr;
    if (!process || !process->is_object())
        return invalid("bundle: {}/config.json has no \"process\"", bundle);
    if (s.args.empty() &&
        (!process->contains("args") || !(*process)["args"].is_array() || (*process)["args"].empty()))
        return invalid("bundle: {}/config.json has no process.args (give a command)", bundle);
    if (!config.contains("root") || !config["root"].is_object() || !config["root"].contains("path") ||
        !config["root"]["path"].is_string())
        return invalid("bundle: {}/config.json has no root.path", bundle);
    std::string root = config["root"]["path"].get<std::string>();
    if (root.empty() || root.front() != '/') root = (fs::path(bundle) / root).lexically_normal().string();
    if (!is_directory(root)) return invalid("bundle: its root {} is not a directory", root);
    config["root"]["path"] = root;
    if (!config.contains("mounts")) config["mounts"] = json::array();
    json& list = config["mounts"];
    if (!list.is_array()) return invalid("bundle: {}/config.json's \"mounts\" is not an array", bundle);
    // Without a /dev mount the runtime would make its device nodes in the
    // bundle's root itself: give it a tmpfs, before any mount under /dev.
    const bool has_dev = std::any_of(list.begin(), list.end(), [](const json& m) {
        if (!m.is_object() || !m.contains("destination") || !m["destination"].is_string()) return false;
        std::string to = fs::path(m["destination"].get<std::string>()).lexically_normal().string();
        while (to.size() > 1 && to.back() == '/')
            to.pop_back();
        return to == "/dev";
    });
    if (!has_dev) list.insert(list.begin(), dev_mount());
    if (!config.contains("linux") || !config["linux"].is_object()) config["linux"] = json::object();
    apply(config, s);
    return config;
}

Result<void> write_bundle(const std::string& dir, const json& config) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return error("cannot make {}: {}", dir, ec.message());
    const std::string path = dir + "/config.json";
    std::ofstream out(path, std::ios::trunc);
    out << config.dump();
    out.close();
    if (!out) return error("cannot write {}", path);
    return ok();
}

} // namespace sf::host
