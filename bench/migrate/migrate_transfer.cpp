// sf-bench migrate: the TCP transfer baseline; see migrate_transfer.h.
#include "bench/migrate/migrate_transfer.h"

#include "bench/migrate/migrate_netns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace sf::bench {
namespace {

constexpr int kTimeoutMs = 10'000;

class Fd {
  public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

sockaddr_in address(uint32_t ip, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

bool wait_for(int fd, short events) {
    pollfd pfd{fd, events, 0};
    return ::poll(&pfd, 1, kTimeoutMs) > 0;
}

// Accepts one connection, reads `bytes`, answers one byte.
Result<void> receive_all(int listener, uint64_t bytes) {
    if (!wait_for(listener, POLLIN)) return error("transfer: no connection within {} ms", kTimeoutMs);
    Fd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.get() < 0) return error("transfer: accept: {}", std::strerror(errno));
    std::vector<char> buf(1 << 16);
    for (uint64_t left = bytes; left > 0;) {
        if (!wait_for(conn.get(), POLLIN)) return error("transfer: stalled with {} bytes to come", left);
        const ssize_t n = ::recv(conn.get(), buf.data(), std::min<uint64_t>(left, buf.size()), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return error("transfer: the sender closed with {} bytes to come", left);
        left -= static_cast<uint64_t>(n);
    }
    const char done = 1;
    if (::send(conn.get(), &done, 1, MSG_NOSIGNAL) != 1)
        return error("transfer: send: {}", std::strerror(errno));
    return ok();
}

Result<double> send_all(int fd, const TransferEnds& ends, uint64_t bytes) {
    const sockaddr_in to = address(ends.to_ip, ends.port);
    const auto start = std::chrono::steady_clock::now();
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
        return error("transfer: connect: {}", std::strerror(errno));
    std::vector<char> buf(1 << 16, 'm');
    for (uint64_t left = bytes; left > 0;) {
        const ssize_t n = ::send(fd, buf.data(), std::min<uint64_t>(left, buf.size()), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return error("transfer: send: {}", std::strerror(errno));
        left -= static_cast<uint64_t>(n);
    }
    char done = 0;
    if (!wait_for(fd, POLLIN) || ::recv(fd, &done, 1, 0) != 1) return error("transfer: no acknowledgement");
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

Result<double> tcp_transfer_ms(const TransferEnds& ends, uint64_t bytes) {
    Fd listener, sender;
    SF_TRY(run_in_netns(ends.to_ns, [&]() -> Result<void> {
        listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const int on = 1;
        ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        const sockaddr_in at = address(ends.to_ip, ends.port);
        if (listener.get() < 0 ||
            ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
            ::listen(listener.get(), 1) != 0)
            return error("transfer: listen on port {}: {}", ends.port, std::strerror(errno));
        return ok();
    }));
    SF_TRY(run_in_netns(ends.from_ns, [&]() -> Result<void> {
        sender.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (sender.get() < 0) return error("transfer: socket: {}", std::strerror(errno));
        const timeval limit{kTimeoutMs / 1000, 0};
        ::setsockopt(sender.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        return ok();
    }));
    Result<void> received = ok();
    std::thread receiver([&] { received = receive_all(listener.get(), bytes); });
    Result<double> sent = send_all(sender.get(), ends, bytes);
    if (!sent) ::shutdown(listener.get(), SHUT_RDWR); // the receiver's poll then ends
    receiver.join();
    if (!sent) return sent; // the receiver's error is then only the consequence
    SF_TRY(received);
    return sent;
}

} // namespace sf::bench
