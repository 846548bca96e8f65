// superfluid toolstack: the snapshot directory.
#include "host/snapshot_dir.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sf::host {
namespace {

constexpr std::string_view kPartial = ".partial";

Result<void> check_name(std::string_view name) {
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    };
    if (name.empty() || name.size() > SnapshotDir::kMaxName || name.front() == '.' ||
        !std::all_of(name.begin(), name.end(), allowed))
        return error(
            ErrorKind::InvalidArgument,
            "file: a name in the snapshot directory (letters, digits, '.', '_', '-'; at most {} bytes; "
            "not starting with '.'), not {:?}",
            SnapshotDir::kMaxName, name);
    return ok();
}

} // namespace

Result<std::unique_ptr<SnapshotDir>> SnapshotDir::open(const std::string& path) {
    std::error_code ec;
    const std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
    UniqueFd fd(::open(absolute.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        return error(ErrorKind::InvalidArgument, "snapshot directory {}: {}", path, std::strerror(errno));
    std::string trimmed =
        absolute.size() > 1 && absolute.back() == '/' ? absolute.substr(0, absolute.size() - 1) : absolute;
    return std::unique_ptr<SnapshotDir>(new SnapshotDir(std::move(trimmed), std::move(fd)));
}

Result<std::string> SnapshotDir::name_of(std::string_view file) const {
    const std::string prefix = path_ == "/" ? path_ : path_ + "/";
    if (file.starts_with('/')) {
        if (!file.starts_with(prefix))
            return error(ErrorKind::InvalidArgument, "file: {:?} is not in the snapshot directory {}", file,
                         path_);
        file.remove_prefix(prefix.size());
    }
    SF_TRY(check_name(file));
    return std::string(file);
}

Result<UniqueFd> SnapshotDir::create_partial(const std::string& name) const {
    SF_TRY(check_name(name));
    const std::string partial = name + std::string(kPartial);
    // A fresh inode: whatever was there (left by a crash, or a link planted to another file) is unlinked, not
    // written.
    ::unlinkat(fd_.get(), partial.c_str(), 0);
    UniqueFd fd(
        ::openat(fd_.get(), partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid())
        return error(ErrorKind::InvalidArgument, "cannot write {}/{}: {}", path_, partial,
                     std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return error(ErrorKind::InvalidArgument, "{}/{} is not a regular file", path_, partial);
    return fd;
}

Result<void> SnapshotDir::commit(const std::string& name) const {
    const std::string partial = name + std::string(kPartial);
    if (::renameat(fd_.get(), partial.c_str(), fd_.get(), name.c_str()) != 0)
        return error(ErrorKind::InvalidArgument, "cannot rename {}/{} to {}: {}", path_, partial, name,
                     std::strerror(errno));
    ::fsync(fd_.get());
    return ok();
}

void SnapshotDir::discard(const std::string& name) const {
    ::unlinkat(fd_.get(), (name + std::string(kPartial)).c_str(), 0);
}

Result<UniqueFd> SnapshotDir::open_existing(const std::string& name) const {
    SF_TRY(check_name(name));
    // O_NONBLOCK: a FIFO planted here must not hold the request; cleared below for a regular file.
    UniqueFd fd(::openat(fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid())
        return error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::InvalidArgument,
                     "cannot open {}/{}: {}", path_, name,
                     errno == ELOOP ? "it is a symlink" : std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return error(ErrorKind::InvalidArgument, "{}/{} is not a regular file", path_, name);
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
        return error("fcntl {}/{}: {}", path_, name, std::strerror(errno));
    return fd;
}

} // namespace sf::host
