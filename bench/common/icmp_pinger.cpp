// sf-bench: IcmpPinger; see icmp_pinger.h.
#include "bench/common/icmp_pinger.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::bench {
namespace {

constexpr size_t kPayload = 16;

sockaddr_in address_of(uint32_t ip) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(ip);
    return to;
}

// Errors that mean "no answer this time" (no route yet while an interface
// comes up, an ARP failure, a full queue), not a broken socket.
bool lost_in_transit(int error_number) {
    return error_number == EAGAIN || error_number == ENETUNREACH || error_number == EHOSTUNREACH ||
           error_number == ENOBUFS || error_number == EHOSTDOWN;
}

} // namespace

Result<std::unique_ptr<IcmpPinger>> IcmpPinger::create() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
    if (fd < 0)
        return error("ICMP socket: {} (is net.ipv4.ping_group_range set? run inside scripts/testns)",
                     std::strerror(errno));
    return std::unique_ptr<IcmpPinger>(new IcmpPinger(fd));
}

IcmpPinger::~IcmpPinger() {
    ::close(fd_);
}

Result<void> IcmpPinger::send_echo(uint32_t ip, uint16_t sequence) {
    uint8_t packet[sizeof(icmphdr) + kPayload] = {};
    icmphdr header{};
    header.type = ICMP_ECHO;
    header.un.echo.sequence = htons(sequence); // the kernel sets the identifier and checksum
    std::memcpy(packet, &header, sizeof header);
    const sockaddr_in to = address_of(ip);
    if (::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0 &&
        !lost_in_transit(errno))
        return error("ICMP sendto: {}", std::strerror(errno));
    return ok();
}

Result<bool> IcmpPinger::await_reply(uint32_t ip, uint16_t first, uint16_t last,
                                     std::chrono::steady_clock::time_point deadline) {
    uint8_t buf[512];
    for (;;) {
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n >= static_cast<ssize_t>(sizeof(icmphdr))) {
            icmphdr reply{};
            std::memcpy(&reply, buf, sizeof reply);
            const auto since_first = static_cast<uint16_t>(ntohs(reply.un.echo.sequence) - first);
            if (reply.type == ICMP_ECHOREPLY && since_first <= static_cast<uint16_t>(last - first) &&
                ntohl(from.sin_addr.s_addr) == ip)
                return true; // the reply to any try of this ping()
            continue;        // one to an earlier ping()
        }
        if (n < 0 && errno != EINTR && !lost_in_transit(errno))
            return error("ICMP recvfrom: {}", std::strerror(errno));
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return false;
        pollfd pfd{fd_, POLLIN, 0};
        ::poll(&pfd, 1, static_cast<int>(left.count()) + 1);
    }
}

Result<double> IcmpPinger::ping(uint32_t ip, std::chrono::milliseconds interval, int tries) {
    const auto start = std::chrono::steady_clock::now();
    const auto first = static_cast<uint16_t>(sequence_ + 1);
    for (int t = 0; t < tries; ++t) {
        const uint16_t sequence = ++sequence_;
        SF_TRY(send_echo(ip, sequence));
        SF_TRY_ASSIGN(bool answered,
                      await_reply(ip, first, sequence, std::chrono::steady_clock::now() + interval));
        if (answered)
            return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
    }
    return error("no ICMP echo reply in {} tries {} ms apart", tries, interval.count());
}

} // namespace sf::bench
