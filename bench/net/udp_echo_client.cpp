// sf-bench net: UDP echo load client; see udp_echo_client.h.
#include "bench/net/udp_echo_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sf::bench {
namespace {

using Clock = std::chrono::steady_clock;

class EchoSession {
  public:
    EchoSession(int fd, const UdpEchoOptions& o) : fd_(fd), o_(o), buf_(o.payload < 8 ? 8 : o.payload) {}

    Result<void> fill_window() {
        while (in_flight_ < o_.window)
            SF_TRY(send_one());
        return ok();
    }
    // Reads every echo waiting; sends one datagram for each.
    Result<size_t> drain() {
        size_t got = 0;
        for (;;) {
            const ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return got;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != ECONNREFUSED) return error("UDP recv: {}", std::strerror(errno));
            if (n < 0) continue; // an ICMP port unreachable: the server is not there (yet)
            ++got;
            ++result_.echoed;
            if (in_flight_ > 0) --in_flight_;
            SF_TRY(send_one());
        }
    }
    void write_off_window() {
        result_.written_off += static_cast<uint64_t>(in_flight_);
        in_flight_ = 0;
    }
    UdpEchoResult& result() { return result_; }

  private:
    Result<void> send_one() {
        const uint64_t sequence = result_.sent;
        std::memcpy(buf_.data(), &sequence, sizeof sequence);
        const ssize_t n = ::send(fd_, buf_.data(), buf_.size(), 0);
        if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
            return error("UDP send: {}", std::strerror(errno));
        ++result_.sent;
        ++in_flight_;
        return ok();
    }

    int fd_;
    const UdpEchoOptions& o_;
    std::vector<uint8_t> buf_;
    int in_flight_ = 0;
    UdpEchoResult result_;
};

Result<int> connected_socket(const UdpEchoOptions& o) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return error("UDP socket: {}", std::strerror(errno));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(o.port);
    to.sin_addr.s_addr = htonl(o.ip);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
        const int saved = errno;
        ::close(fd);
        return error("UDP connect: {}", std::strerror(saved));
    }
    return fd;
}

} // namespace

Result<UdpEchoResult> run_udp_echo(const UdpEchoOptions& o) {
    SF_TRY_ASSIGN(const int fd, connected_socket(o));
    EchoSession session(fd, o);
    const auto start = Clock::now();
    const auto end = start + o.duration;
    auto last_echo = start;
    Result<void> status = session.fill_window();
    while (status && Clock::now() < end) {
        pollfd pfd{fd, POLLIN, 0};
        ::poll(&pfd, 1, 5);
        auto got = session.drain();
        if (!got) {
            status = std::move(got).error();
            break;
        }
        const auto now = Clock::now();
        if (*got > 0) last_echo = now;
        if (now - last_echo >= o.loss_timeout) {
            session.write_off_window();
            status = session.fill_window();
            last_echo = now;
        }
    }
    ::close(fd);
    if (!status) return std::move(status).error();
    UdpEchoResult result = session.result();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

} // namespace sf::bench
