// superfluid toolstack: the host's cgroups for containers.
#include "host/oci/oci_cgroups.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sf::host {
namespace {

Result<void> mount_v1_hierarchy(const std::string& directory, const std::string& controller) {
    if (::mkdir(directory.c_str(), 0755) < 0 && errno != EEXIST)
        return error("mkdir {}: {}", directory, std::strerror(errno));
    if (::mount("cgroup", directory.c_str(), "cgroup", 0, controller.c_str()) < 0)
        return error("mount -t cgroup -o {} cgroup {}: {}", controller, directory, std::strerror(errno));
    return ok();
}

std::string fix_for(const std::string& root, const std::vector<std::string>& controllers) {
    std::string fix;
    for (const std::string& c : controllers)
        fix += fmt::format("{}mkdir -p {}/{} && mount -t cgroup -o {} cgroup {}/{}",
                           fix.empty() ? "" : " && ", root, c, c, root, c);
    return fix;
}

} // namespace

std::vector<std::string> hybrid_controllers(const std::string& root) {
    std::vector<std::string> controllers;
    std::ifstream file(root + "/unified/cgroup.controllers");
    std::string name;
    while (file >> name)
        controllers.push_back(name);
    return controllers;
}

Result<void> check_cgroups(const std::string& root) {
    const std::vector<std::string> controllers = hybrid_controllers(root);
    if (controllers.empty()) return ok();
    std::string names;
    for (const std::string& c : controllers)
        names += (names.empty() ? "" : " ") + c;
    return error(
        ErrorKind::Unavailable,
        "containers: cgroups are hybrid and {}/unified holds the controllers [{}], which crun refuses: "
        "start sfd with --prepare-cgroups, or run: {}",
        root, names, fix_for(root, controllers));
}

Result<std::vector<std::string>> prepare_cgroups(const std::string& root, MountV1 mount_v1) {
    if (!mount_v1) mount_v1 = mount_v1_hierarchy;
    std::vector<std::string> mounted;
    for (const std::string& controller : hybrid_controllers(root)) {
        SF_TRY(mount_v1(root + "/" + controller, controller));
        mounted.push_back(controller);
    }
    return mounted;
}

std::string memory_cgroup_dir(const std::string& path, const std::string& root) {
    return root + "/memory" + path;
}

uint64_t oom_kills(const std::string& cgroup_dir) {
    for (const char* file : {"/memory.oom_control", "/memory.events"}) {
        std::ifstream in(cgroup_dir + file);
        std::string key;
        uint64_t value = 0;
        while (in >> key >> value)
            if (key == "oom_kill") return value;
    }
    return 0;
}

} // namespace sf::host
