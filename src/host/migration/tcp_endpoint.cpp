// superfluid toolstack: TCP endpoints for migrations.
#include "host/migration/tcp_endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sf::host {
namespace {

Result<sockaddr_in> resolve(const std::string& host, uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1) return address;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || found == nullptr)
        return error(ErrorKind::InvalidArgument, "cannot resolve host {:?}: {}", host, ::gai_strerror(rc));
    address.sin_addr = reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
    ::freeaddrinfo(found);
    return address;
}

} // namespace

Result<TcpEndpoint> TcpEndpoint::parse(std::string_view text, uint16_t default_port) {
    TcpEndpoint endpoint;
    endpoint.port = default_port;
    const size_t colon = text.rfind(':');
    std::string_view host = colon == std::string_view::npos ? text : text.substr(0, colon);
    if (colon != std::string_view::npos) {
        const std::string_view port = text.substr(colon + 1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            return error(ErrorKind::InvalidArgument, "{:?}: the port must be a number in 1..65535", text);
        endpoint.port = static_cast<uint16_t>(value);
    }
    if (host.empty()) return error(ErrorKind::InvalidArgument, "{:?}: no host (expected HOST[:PORT])", text);
    endpoint.host = std::string(host);
    return endpoint;
}

Result<UniqueFd> TcpEndpoint::connect(std::chrono::milliseconds timeout) const {
    SF_TRY_ASSIGN(const sockaddr_in address, resolve(host, port));
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (rc != 0 && errno != EINPROGRESS)
        return error(ErrorKind::Unavailable, "cannot connect to {}: {}", to_string(), std::strerror(errno));
    if (rc != 0) {
        pollfd p{fd.get(), POLLOUT, 0};
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (rc == 0)
            return error(ErrorKind::Unavailable, "no answer from {} within {} ms", to_string(),
                         timeout.count());
        int so_error = 0;
        socklen_t len = sizeof so_error;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
        if (rc < 0 || so_error != 0)
            return error(ErrorKind::Unavailable, "cannot connect to {}: {}", to_string(),
                         std::strerror(so_error ? so_error : errno));
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

Result<UniqueFd> TcpEndpoint::listen() const {
    SF_TRY_ASSIGN(const sockaddr_in address, resolve(host, port));
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        return error(ErrorKind::Unavailable, "cannot listen on {}: {}", to_string(), std::strerror(errno));
    if (::listen(fd.get(), 64) != 0) return error("listen on {}: {}", to_string(), std::strerror(errno));
    return fd;
}

Result<uint16_t> bound_port(int fd) {
    sockaddr_in address{};
    socklen_t len = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0)
        return error("getsockname: {}", std::strerror(errno));
    return ntohs(address.sin_port);
}

} // namespace sf::host
