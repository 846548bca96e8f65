// superfluid Linux builds: KernelSockets (see sf/net/kernel_sockets.h).
#include "sf/net/kernel_sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

namespace sf::net {

namespace {

constexpr int kEventsPerWait = 64;
constexpr int kDatagramsPerWakeup = 64; // per socket: one busy port cannot starve the others

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

sockaddr_in address(uint32_t ip, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

// A non-blocking socket of `type` bound to every address at `port`, or -1.
int bound_socket(int type, uint16_t port) {
    const int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    const sockaddr_in any = address(INADDR_ANY, port);
    if ((type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) ||
        bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool would_block(int error) {
    return error == EAGAIN || error == EWOULDBLOCK;
}

} // namespace

KernelSockets::KernelSockets(int epoll_fd) : epoll_(epoll_fd) {}

KernelSockets::~KernelSockets() {
    for (int fd = 0; fd < kMaxDescriptors; ++fd)
        if (slots_[fd].kind != Kind::Free) close(fd);
    close(epoll_);
}

KernelSockets::Slot* KernelSockets::slot(int handle, Kind kind) {
    return handle >= 0 && handle < kMaxDescriptors && slots_[handle].kind == kind ? &slots_[handle] : nullptr;
}

const KernelSockets::Slot* KernelSockets::slot(int handle, Kind kind) const {
    return handle >= 0 && handle < kMaxDescriptors && slots_[handle].kind == kind ? &slots_[handle] : nullptr;
}

bool KernelSockets::track(int fd, Kind kind, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (fd >= kMaxDescriptors || epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return false;
    }
    slots_[fd] = Slot{kind, false, false, nullptr, nullptr, 0};
    return true;
}

void KernelSockets::release(int fd) {
    if (slots_[fd].kind == Kind::Closing) --closing_;
    slots_[fd] = Slot{};
    close(fd); // also leaves the epoll set
}

int KernelSockets::udp_bind(uint16_t port, UdpReceiveFn on_receive, void* ctx) {
    if (port == 0 || on_receive == nullptr) return -1;
    const int fd = bound_socket(SOCK_DGRAM, port);
    if (fd < 0 || !track(fd, Kind::Udp, EPOLLIN)) return -1;
    slots_[fd].on_receive = on_receive;
    slots_[fd].ctx = ctx;
    return fd;
}

void KernelSockets::udp_close(int socket) {
    if (slot(socket, Kind::Udp) != nullptr) release(socket);
}

bool KernelSockets::udp_sendto(int socket, uint32_t dst_ip, uint16_t dst_port, const uint8_t* data,
                               size_t len) {
    if (slot(socket, Kind::Udp) == nullptr) return false;
    const sockaddr_in to = address(dst_ip, dst_port);
    ssize_t n;
    do
        n = sendto(socket, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
    while (n < 0 && errno == EINTR);
    if (n < 0 || static_cast<size_t>(n) != len) return false;
    ++stats_.tx_frames;
    return true;
}

int KernelSockets::tcp_listen(uint16_t port) {
    if (port == 0) return -1;
    const int fd = bound_socket(SOCK_STREAM, port);
    if (fd < 0) return -1;
    if (listen(fd, SOMAXCONN) != 0) {
        close(fd);
        return -1;
    }
    return track(fd, Kind::Listener, EPOLLIN) ? fd : -1;
}

int KernelSockets::tcp_accept(int listener) {
    if (slot(listener, Kind::Listener) == nullptr) return -1;
    for (;;) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return -1; // EAGAIN: none yet; anything else: none we can take now
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (track(fd, Kind::Connection, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)) return fd;
    }
}

size_t KernelSockets::tcp_read(int conn, uint8_t* buf, size_t len) {
    Slot* s = slot(conn, Kind::Connection);
    if (s == nullptr || len == 0 || s->eof || s->reset) return 0;
    for (;;) {
        const ssize_t n = recv(conn, buf, len, MSG_DONTWAIT);
        if (n > 0) {
            ++stats_.rx_frames;
            return static_cast<size_t>(n);
        }
        if (n == 0) {
            s->eof = true;
            return 0;
        }
        if (errno == EINTR) continue;
        if (!would_block(errno)) s->reset = true;
        return 0;
    }
}

size_t KernelSockets::tcp_write(int conn, const uint8_t* data, size_t len) {
    Slot* s = slot(conn, Kind::Connection);
    if (s == nullptr || len == 0 || s->reset) return 0;
    for (;;) {
        const ssize_t n = send(conn, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            if (n > 0) ++stats_.tx_frames;
            return static_cast<size_t>(n);
        }
        if (errno == EINTR) continue;
        if (!would_block(errno)) s->reset = true;
        return 0;
    }
}

bool KernelSockets::tcp_eof(int conn) const {
    const Slot* s = slot(conn, Kind::Connection);
    return s != nullptr && (s->eof || s->reset);
}

TcpState KernelSockets::tcp_state(int conn) const {
    const Slot* s = slot(conn, Kind::Connection);
    if (s == nullptr || s->reset) return TcpState::Closed;
    return s->eof ? TcpState::CloseWait : TcpState::Established;
}

void KernelSockets::tcp_close(int conn) {
    Slot* s = slot(conn, Kind::Connection);
    if (s == nullptr) return;
    // Nothing more can come (FIN read, or reset): Linux finishes the close itself.
    if (s->eof || s->reset || shutdown(conn, SHUT_WR) != 0) return release(conn);
    s->kind = Kind::Closing;
    s->close_deadline_ns = monotonic_ns() + kCloseTimeoutNs;
    ++closing_;
    drain(conn); // what came before (edge-triggered: no new event would tell)
}

void KernelSockets::wait(uint64_t deadline_ns) {
    epoll_event events[kEventsPerWait];
    const int n = epoll_wait(epoll_, events, kEventsPerWait, timeout_ms(deadline_ns));
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (slots_[fd].kind == Kind::Udp)
            receive_datagrams(fd);
        else if (slots_[fd].kind == Kind::Closing)
            drain(fd);
        // Listeners and connections: the owner's service() takes what is there.
    }
    if (closing_ > 0) expire_closing(monotonic_ns());
}

int KernelSockets::timeout_ms(uint64_t deadline_ns) const {
    uint64_t until = deadline_ns;
    for (int fd = 0; closing_ > 0 && fd < kMaxDescriptors; ++fd)
        if (slots_[fd].kind == Kind::Closing && slots_[fd].close_deadline_ns < until)
            until = slots_[fd].close_deadline_ns;
    if (until == UINT64_MAX) return -1;
    const uint64_t now = monotonic_ns();
    if (until <= now) return 0;
    const uint64_t ms = (until - now + 999'999) / 1'000'000; // rounded up: never wake before it
    return ms > 3'600'000 ? 3'600'000 : static_cast<int>(ms);
}

void KernelSockets::receive_datagrams(int fd) {
    for (int i = 0; i < kDatagramsPerWakeup && slots_[fd].kind == Kind::Udp; ++i) {
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = recvfrom(fd, buffer_, sizeof buffer_, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return; // EAGAIN: all taken (level-triggered: the rest, if any, wakes the next wait)
        }
        ++stats_.rx_frames;
        const Slot& s = slots_[fd];
        s.on_receive(s.ctx, fd, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port), buffer_,
                     static_cast<size_t>(n));
    }
}

void KernelSockets::drain(int fd) {
    for (;;) {
        const ssize_t n = recv(fd, buffer_, sizeof buffer_, MSG_DONTWAIT);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && would_block(errno)) return;
        return release(fd); // the peer closed (0) or reset
    }
}

void KernelSockets::expire_closing(uint64_t now_ns) {
    for (int fd = 0; closing_ > 0 && fd < kMaxDescriptors; ++fd)
        if (slots_[fd].kind == Kind::Closing && slots_[fd].close_deadline_ns <= now_ns) release(fd);
}

} // namespace sf::net
