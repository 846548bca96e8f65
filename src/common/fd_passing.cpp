// superfluid common: sending a descriptor with a packet.
#include "common/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf {
namespace {

// sendmsg() of `parts` with `fd` attached, retried on EINTR: 0, or the errno.
int send_packet(int socket, std::span<const iovec> parts, int fd, int flags) {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(parts.data());
    msg.msg_iovlen = parts.size();
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    for (;;) {
        if (::sendmsg(socket, &msg, MSG_NOSIGNAL | flags) >= 0) return 0;
        if (errno != EINTR) return errno;
    }
}

} // namespace

Result<void> send_with_fd(int socket, std::span<const iovec> parts, int fd) {
    if (const int e = send_packet(socket, parts, fd, 0); e != 0)
        return error(ErrorKind::Unavailable, "{}", std::strerror(e));
    return ok();
}

Result<bool> try_send_with_fd(int socket, std::span<const iovec> parts, int fd) {
    const int e = send_packet(socket, parts, fd, MSG_DONTWAIT);
    if (e == EAGAIN || e == EWOULDBLOCK) return false;
    if (e != 0) return error(ErrorKind::Unavailable, "{}", std::strerror(e));
    return true;
}

} // namespace sf
