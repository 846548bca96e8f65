// superfluid store: the store's listening unix socket (stale-socket handling, mode 0600).
#include "store/listen_socket.h"

#include "common/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace sf::store {

namespace {

// Removes what is at `path` if it is a stale socket; refuses anything else.
Result<void> clear_path(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return ok();
        return error("{}: {}", path, std::strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode)) return error(ErrorKind::Conflict, "{} exists and is not a socket", path);
    if (unix_socket_answers(path))
        return error(ErrorKind::Conflict, "another server is listening on {}", path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return error("cannot remove stale socket {}: {}", path, std::strerror(errno));
    return ok();
}

std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

bool unix_socket_answers(const std::string& path) {
    auto addr = unix_address(path);
    if (!addr) return false;
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0;
}

Result<UniqueFd> listen_unix_socket(const std::string& path) {
    SF_TRY_ASSIGN(auto addr, unix_address(path));
    std::error_code ec;
    std::filesystem::create_directories(directory_of(path), ec); // e.g. /run/superfluid on a fresh host
    if (ec) return error("cannot create the directory of {}: {}", path, ec.message());
    SF_TRY(clear_path(path));

    std::string private_dir = directory_of(path) + "/.sfstore-XXXXXX";
    if (!::mkdtemp(private_dir.data()))
        return error("cannot create a directory next to {}: {}", path, std::strerror(errno));
    const std::string staging = private_dir + "/sock";
    auto cleanup = [&] {
        ::unlink(staging.c_str());
        ::rmdir(private_dir.c_str());
    };
    SF_TRY_ASSIGN(auto staging_addr, unix_address(staging));

    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const char* step = nullptr;
    if (!fd.valid())
        step = "socket";
    else if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&staging_addr), sizeof(staging_addr)) != 0)
        step = "bind";
    else if (::chmod(staging.c_str(), 0600) != 0)
        step = "chmod";
    else if (::listen(fd.get(), SOMAXCONN) != 0)
        step = "listen";
    else if (::rename(staging.c_str(), path.c_str()) != 0)
        step = "rename";
    const int saved = errno;
    cleanup();
    if (step) return error("{} on {}: {}", step, path, std::strerror(saved));
    (void)addr;
    return fd;
}

} // namespace sf::store
