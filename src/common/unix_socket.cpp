// superfluid common: unix socket addresses and connections.
#include "common/unix_socket.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path)
        return error(ErrorKind::InvalidArgument, "socket path '{}' is empty or longer than {} bytes", path,
                     sizeof address.sun_path - 1);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

Result<UniqueFd> connect_unix(const std::string& path, int type) {
    SF_TRY_ASSIGN(const sockaddr_un address, unix_address(path));
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    int rc;
    do
        rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return error(ErrorKind::Unavailable, "connect to {}: {}", path, std::strerror(errno));
    return fd;
}

} // namespace sf
