// superfluid toolstack: SCM_RIGHTS in one packet.
#include "host/fd_passing.h"

#include "common/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf::host {
namespace {

// One byte of data with room for one descriptor: what send_fd() sends.
struct OneDescriptorPacket {
    char byte = 'F';
    iovec part{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};

    OneDescriptorPacket() {
        msg.msg_iov = &part;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    OneDescriptorPacket(const OneDescriptorPacket&) = delete; // msg points into itself
    OneDescriptorPacket& operator=(const OneDescriptorPacket&) = delete;
};

} // namespace

Result<void> send_fd(int socket, int fd) {
    char byte = 'F';
    const iovec part{&byte, 1};
    Result<void> sent = send_with_fd(socket, std::span<const iovec>(&part, 1), fd);
    if (!sent) return error(ErrorKind::Unavailable, "passing a descriptor failed: {}", sent.error().message);
    return ok();
}

Result<UniqueFd> receive_fd(int socket) {
    OneDescriptorPacket packet;
    ssize_t n;
    do
        n = ::recvmsg(socket, &packet.msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return error(ErrorKind::Unavailable, "no descriptor received: {}",
                     n == 0 ? "closed" : std::strerror(errno));
    for (cmsghdr* c = CMSG_FIRSTHDR(&packet.msg); c; c = CMSG_NXTHDR(&packet.msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
            continue;
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        return UniqueFd(fd);
    }
    return error("the packet carried no descriptor");
}

} // namespace sf::host
