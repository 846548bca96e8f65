// superfluid common: sending a descriptor with a packet.
#include "common/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf {

Result<void> send_with_fd(int socket, std::span<const iovec> parts, int fd) {
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
        if (::sendmsg(socket, &msg, MSG_NOSIGNAL) >= 0) return ok();
        if (errno != EINTR) return error(ErrorKind::Unavailable, "{}", std::strerror(errno));
    }
}

} // namespace sf
