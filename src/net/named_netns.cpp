// superfluid switch: named network namespaces (named_netns.h).
#include "net/named_netns.h"

#include "common/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace sf::net::netns {
namespace {

// /run/netns, made a shared mount point (bound onto itself first if it is
// not a mount point yet), as iproute2's `ip netns add` does.
Result<void> prepare_run_dir() {
    static std::mutex mutex;
    static bool prepared = false;
    std::lock_guard lock(mutex);
    if (prepared) return ok();
    if (::mkdir(kRunDir, 0755) != 0 && errno != EEXIST)
        return error(ErrorKind::Unavailable, "cannot make {}: {}", kRunDir, std::strerror(errno));
    bool bound = false;
    while (::mount("", kRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
        if (errno != EINVAL || bound)
            return error(ErrorKind::Unavailable, "cannot make {} a shared mount: {}", kRunDir,
                         std::strerror(errno));
        if (::mount(kRunDir, kRunDir, "none", MS_BIND | MS_REC, nullptr) != 0)
            return error(ErrorKind::Unavailable, "cannot bind {} onto itself: {}", kRunDir,
                         std::strerror(errno));
        bound = true;
    }
    prepared = true;
    return ok();
}

bool valid_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.size() < 200;
}

// Runs `body` on a new thread and returns what it returned.
Result<void> on_own_thread(const std::function<Result<void>()>& body) {
    Result<void> out;
    std::thread([&] { out = body(); }).join();
    return out;
}

// On the calling (own) thread: a new namespace, bound at `file` (created empty).
Result<void> unshare_and_bind(const std::string& name, const std::string& file) {
    if (::unshare(CLONE_NEWNET) != 0)
        return error(ErrorKind::Unavailable, "cannot make a network namespace: {}", std::strerror(errno));
    UniqueFd placeholder(::open(file.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!placeholder.valid())
        return error(errno == EEXIST ? ErrorKind::Conflict : ErrorKind::Unavailable, "cannot make {}: {}",
                     file, std::strerror(errno));
    placeholder.reset();
    if (::mount("/proc/thread-self/ns/net", file.c_str(), "none", MS_BIND, nullptr) != 0) {
        const int e = errno;
        ::unlink(file.c_str());
        return error(ErrorKind::Unavailable, "cannot bind network namespace {}: {}", name, std::strerror(e));
    }
    return ok();
}

} // namespace

std::string path(const std::string& name) {
    return std::string(kRunDir) + "/" + name;
}

Result<void> create(const std::string& name, const std::function<Result<void>()>& setup) {
    if (!valid_name(name)) return error(ErrorKind::InvalidArgument, "bad network namespace name {:?}", name);
    SF_TRY(prepare_run_dir());
    const std::string file = path(name);
    return on_own_thread([&]() -> Result<void> {
        SF_TRY(unshare_and_bind(name, file));
        if (Result<void> done = setup(); !done) {
            (void)remove(name);
            return done;
        }
        return ok();
    });
}

Result<void> in(const std::string& name, const std::function<Result<void>()>& body) {
    if (!valid_name(name)) return error(ErrorKind::InvalidArgument, "bad network namespace name {:?}", name);
    UniqueFd ns(::open(path(name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid())
        return error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Unavailable,
                     "cannot open network namespace {}: {}", name, std::strerror(errno));
    return on_own_thread([&]() -> Result<void> {
        if (::setns(ns.get(), CLONE_NEWNET) != 0)
            return error(ErrorKind::Unavailable, "cannot join network namespace {}: {}", name,
                         std::strerror(errno));
        return body();
    });
}

Result<void> remove(const std::string& name) {
    if (!valid_name(name)) return error(ErrorKind::InvalidArgument, "bad network namespace name {:?}", name);
    const std::string file = path(name);
    (void)::umount2(file.c_str(), MNT_DETACH); // not bound (a half-made one): only the file goes
    if (::unlink(file.c_str()) != 0)
        return error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Unavailable,
                     "cannot delete network namespace {}: {}", name, std::strerror(errno));
    return ok();
}

std::vector<std::string> names(const std::string& prefix) {
    std::vector<std::string> out;
    DIR* dir = ::opendir(kRunDir);
    if (!dir) return out;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != ".." && name.starts_with(prefix)) out.push_back(name);
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace sf::net::netns
