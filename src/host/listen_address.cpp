// superfluid toolstack: listen addresses and unix socket claims.
#include "host/listen_address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace sf::host {
namespace {

Result<int> parse_port(std::string_view text, std::string_view whole) {
    int port = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535)
        return error(ErrorKind::InvalidArgument, "listen address '{}': bad port '{}'", whole, text);
    return port;
}

// Whether a server accepts connections on the socket at `path` (errno tells why not).
Result<bool> someone_answers(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return true;
    if (errno == EAGAIN) return true; // listening, its backlog full
    if (errno == ECONNREFUSED) return false;
    return error("{}: cannot tell whether a server listens on it: {}", path, std::strerror(errno));
}

Result<void> create_parent_directory(const std::string& path) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) return ok();
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return error("cannot create directory {}: {}", parent.string(), ec.message());
    return ok();
}

Result<UniqueFd> lock_path(const std::string& path) {
    std::string lock_file = path + ".lock";
    UniqueFd fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return error("cannot open {}: {}", lock_file, std::strerror(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return error(ErrorKind::Conflict, "another sfd is already serving {} (it holds {})", path,
                         lock_file);
        return error("cannot lock {}: {}", lock_file, std::strerror(errno));
    }
    return fd;
}

// Removes `path` if it is a socket nobody answers on; fails if someone does.
Result<void> remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return ok();
        return error("cannot stat {}: {}", path, std::strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode)) return error("{} exists and is not a socket; not removing it", path);
    SF_TRY_ASSIGN(bool answers, someone_answers(path));
    if (answers) return error(ErrorKind::Conflict, "another sfd is already listening on {}", path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return error("cannot remove stale socket {}: {}", path, std::strerror(errno));
    return ok();
}

} // namespace

Result<ListenAddress> ListenAddress::parse(std::string_view text) {
    if (text.find('/') != std::string_view::npos) return unix_socket(std::string(text));
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return error(ErrorKind::InvalidArgument,
                     "listen address '{}': expected a socket path or IPV4:PORT, e.g. 127.0.0.1:8080", text);
    const std::string host(text.substr(0, colon));
    in_addr parsed{};
    if (::inet_pton(AF_INET, host.c_str(), &parsed) != 1)
        return error(ErrorKind::InvalidArgument, "listen address '{}': '{}' is not an IPv4 address", text,
                     host);
    SF_TRY_ASSIGN(ListenAddress address, loopback(0));
    SF_TRY_ASSIGN(address.port, parse_port(text.substr(colon + 1), text));
    address.host = host;
    return address;
}

Result<ListenAddress> ListenAddress::unix_socket(std::string path) {
    if (path.empty()) return error(ErrorKind::InvalidArgument, "socket path is empty");
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return error(ErrorKind::InvalidArgument, "socket path '{}' is too long (at most {} bytes)", path,
                     sizeof(sockaddr_un::sun_path) - 1);
    if (path.find('\0') != std::string::npos)
        return error(ErrorKind::InvalidArgument, "socket path contains a NUL byte");
    ListenAddress address;
    address.socket_path = std::move(path);
    return address;
}

Result<ListenAddress> ListenAddress::loopback(int port) {
    if (port < 0 || port > 65535) return error(ErrorKind::InvalidArgument, "bad port {}", port);
    ListenAddress address;
    address.port = port;
    return address;
}

std::string ListenAddress::to_string() const {
    return is_unix() ? socket_path : fmt::format("{}:{}", host, port);
}

Result<UnixSocketClaim> UnixSocketClaim::claim(const std::string& path) {
    SF_TRY(create_parent_directory(path));
    SF_TRY_ASSIGN(UniqueFd lock, lock_path(path));
    SF_TRY(remove_stale_socket(path));
    return UnixSocketClaim(path, std::move(lock));
}

} // namespace sf::host
