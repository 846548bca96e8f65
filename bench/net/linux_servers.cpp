// sf-linuxnet: LinuxServers; see linux_servers.h.
#include "bench/net/linux_servers.h"

#include "bench/net/linux_http.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf::bench {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

Result<UniqueFd> bound_socket(int type, uint16_t port) {
    UniqueFd fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket: {}", std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0)
        return error("bind port {}: {}", port, std::strerror(errno));
    return fd;
}

Result<void> watch(int epoll, int fd, uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.fd = fd;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e) < 0) return error("epoll_ctl: {}", std::strerror(errno));
    return ok();
}

} // namespace

Result<std::unique_ptr<LinuxServers>> LinuxServers::open(uint16_t udp_port, uint16_t http_port) {
    std::unique_ptr<LinuxServers> s(new LinuxServers);
    s->epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!s->epoll_.valid()) return error("epoll_create1: {}", std::strerror(errno));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) return error("sigprocmask: {}", std::strerror(errno));
    s->signals_ = UniqueFd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!s->signals_.valid()) return error("signalfd: {}", std::strerror(errno));
    SF_TRY_ASSIGN(s->udp_, bound_socket(SOCK_DGRAM, udp_port));
    SF_TRY_ASSIGN(s->listener_, bound_socket(SOCK_STREAM, http_port));
    if (::listen(s->listener_.get(), 128) < 0) return error("listen: {}", std::strerror(errno));
    for (int fd : {s->signals_.get(), s->udp_.get(), s->listener_.get()})
        SF_TRY(watch(s->epoll_.get(), fd, EPOLLIN));
    return s;
}

Result<void> LinuxServers::run() {
    epoll_event events[64];
    for (;;) {
        const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error("epoll_wait: {}", std::strerror(errno));
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == signals_.get()) return ok();
            if (fd == udp_.get()) {
                echo_datagrams();
            } else if (fd == listener_.get()) {
                accept_connections();
            } else if (auto it = connections_.find(fd); it != connections_.end()) {
                const bool readable = (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
                if (!serve(it->second, readable)) connections_.erase(it); // closes it, leaves the epoll set
            }
        }
    }
}

void LinuxServers::echo_datagrams() {
    char buffer[2048];
    for (;;) {
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const ssize_t n =
            ::recvfrom(udp_.get(), buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) return; // EAGAIN: all taken (errors of earlier sends also end up here)
        if (::sendto(udp_.get(), buffer, size_t(n), 0, reinterpret_cast<const sockaddr*>(&from), from_len) ==
            n)
            ++stats_.udp_echoed;
        else
            ++stats_.udp_send_failed;
    }
}

void LinuxServers::accept_connections() {
    for (;;) {
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) return;
        const int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!watch(epoll_.get(), fd.get(), EPOLLIN).ok()) continue;
        ++stats_.http_connections;
        const int key = fd.get();
        connections_[key] = Connection{std::move(fd), {}, {}, false, false};
    }
}

bool LinuxServers::serve(Connection& c, bool readable) {
    if (readable && !c.close_after) {
        char buffer[kReadChunk];
        for (;;) {
            const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
            if (n == 0) return false;
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                return false;
            }
            c.in.append(buffer, size_t(n));
            if (size_t(n) < sizeof buffer) break; // drained: no second call to learn EAGAIN
        }
        size_t taken = 0;
        while (!c.close_after) {
            const size_t head = http_head_length(std::string_view(c.in).substr(taken));
            if (head == 0) break;
            HttpAnswer a = http_answer(std::string_view(c.in).substr(taken, head));
            taken += head;
            c.out += a.bytes;
            c.close_after = a.close;
            ++stats_.http_answers;
            stats_.http_bad_requests += a.status == 400 ? 1 : 0;
        }
        c.in.erase(0, taken);
        if (c.in.size() > kReadChunk) { // a head longer than any request we serve
            HttpAnswer a = http_answer("");
            c.out += a.bytes;
            c.close_after = true;
            ++stats_.http_bad_requests;
        }
    }
    if (!flush(c)) return false;
    return !(c.close_after && c.out.empty());
}

bool LinuxServers::flush(Connection& c) {
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return false;
        c.out.erase(0, size_t(n));
    }
    const bool want_write = !c.out.empty();
    if (want_write != c.writing) {
        epoll_event e{};
        e.events = EPOLLIN | (want_write ? uint32_t(EPOLLOUT) : 0u);
        e.data.fd = c.fd.get();
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &e) < 0) return false;
        c.writing = want_write;
    }
    return true;
}

} // namespace sf::bench
