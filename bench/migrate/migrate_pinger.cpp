// sf-bench migrate: StreamPinger; see migrate_pinger.h.
#include "bench/migrate/migrate_pinger.h"

#include "bench/migrate/migrate_netns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace sf::bench {
namespace {

constexpr size_t kPayload = 16;

// No answer this time (no route or neighbour yet, a full queue): not a broken socket.
bool transient(int error_number) {
    return error_number == EAGAIN || error_number == ENETUNREACH || error_number == EHOSTUNREACH ||
           error_number == ENOBUFS || error_number == EHOSTDOWN || error_number == EINTR;
}

// The kernel's receive time of a message, or now when it gave none.
int64_t receive_time(msghdr& message) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec stamp{};
            std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
            return static_cast<int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
        }
    return wall_ns();
}

} // namespace

Result<std::unique_ptr<StreamPinger>> StreamPinger::create(const std::string& ns) {
    int fd = -1;
    SF_TRY(run_in_netns(ns, [&]() -> Result<void> {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
        if (fd < 0)
            return error("ICMP socket in {}: {} (net.ipv4.ping_group_range?)", ns, std::strerror(errno));
        return ok();
    }));
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    const int buffer = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    return std::unique_ptr<StreamPinger>(new StreamPinger(fd));
}

StreamPinger::~StreamPinger() {
    if (thread_.joinable()) stop(std::chrono::milliseconds(0));
    ::close(fd_);
}

void StreamPinger::start(uint32_t ip, std::chrono::microseconds interval) {
    stopping_ = false;
    sent_.reserve(200'000);
    replies_.reserve(200'000);
    reply_seq_.reserve(200'000);
    thread_ = std::thread([this, ip, interval] { loop(ip, interval); });
}

void StreamPinger::stop(std::chrono::milliseconds linger) {
    if (!thread_.joinable()) return;
    std::this_thread::sleep_for(linger);
    stopping_ = true;
    thread_.join();
}

void StreamPinger::send_one(uint32_t ip) {
    uint8_t packet[sizeof(icmphdr) + kPayload] = {};
    icmphdr header{};
    header.type = ICMP_ECHO;
    header.un.echo.sequence = htons(++sequence_); // the kernel sets the identifier and checksum
    std::memcpy(packet, &header, sizeof header);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(ip);
    sent_.push_back(wall_ns());
    if (::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0 &&
        !transient(errno) && failure_.empty())
        failure_ = fmt::format("ICMP sendto: {}", std::strerror(errno));
}

void StreamPinger::drain() {
    for (;;) {
        uint8_t buf[256];
        alignas(cmsghdr) char control[128];
        iovec iov{buf, sizeof buf};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd_, &message, 0);
        if (n < 0) {
            if (!transient(errno) && failure_.empty())
                failure_ = fmt::format("ICMP recvmsg: {}", std::strerror(errno));
            return;
        }
        icmphdr reply{};
        if (static_cast<size_t>(n) < sizeof reply) continue;
        std::memcpy(&reply, buf, sizeof reply);
        if (reply.type != ICMP_ECHOREPLY) continue;
        const int64_t at = receive_time(message);
        replies_.push_back(at);
        reply_seq_.push_back(ntohs(reply.un.echo.sequence));
        last_reply_ = at;
        ++reply_count_;
    }
}

void StreamPinger::loop(uint32_t ip, std::chrono::microseconds interval) {
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); // wake-ups on time, not 50 us late
    const int64_t step = static_cast<int64_t>(interval.count()) * 1000;
    int64_t next = wall_ns();
    while (!stopping_.load()) {
        const int64_t now = wall_ns();
        if (now >= next) {
            send_one(ip);
            next += step;
            if (next < now) next = now + step; // we were descheduled: no burst to catch up
        }
        const int64_t wait = std::max<int64_t>(0, next - wall_ns());
        const timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                               static_cast<long>(wait % 1'000'000'000)};
        pollfd pfd{fd_, POLLIN, 0};
        if (::ppoll(&pfd, 1, &timeout, nullptr) > 0) drain();
    }
    drain();
}

} // namespace sf::bench
