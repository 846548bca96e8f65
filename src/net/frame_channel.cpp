// superfluid switch: the frame channel's packets.
#include "net/frame_channel.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace sf::net::frames {

Result<SendStatus> send_frame(int fd, uint32_t port, std::span<const uint8_t> frame, uint16_t flags) {
    if (frame.size() > kMaxFrame) return error(ErrorKind::InvalidArgument, "frame of {} bytes", frame.size());
    Header header{kMagic, kVersion, flags, port, static_cast<uint32_t>(frame.size())};
    iovec iov[2] = {{&header, sizeof header}, {const_cast<uint8_t*>(frame.data()), frame.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    for (;;) {
        if (::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return SendStatus::Sent;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == ENOBUFS) return SendStatus::Full;
        return error(ErrorKind::Unavailable, "frame channel: {}", std::strerror(errno));
    }
}

Result<Frame> parse(std::span<const uint8_t> packet) {
    Header header;
    if (packet.size() < sizeof header)
        return error(ErrorKind::InvalidArgument, "frame packet of {} bytes is shorter than its header",
                     packet.size());
    std::memcpy(&header, packet.data(), sizeof header);
    if (header.magic != kMagic || header.version != kVersion)
        return error(ErrorKind::InvalidArgument, "frame packet with magic {:#x} version {}", header.magic,
                     header.version);
    if ((header.flags & ~kReturned) != 0)
        return error(ErrorKind::InvalidArgument, "frame packet with unknown flags {:#x}", header.flags);
    if (header.frame_len != packet.size() - sizeof header || header.frame_len > kMaxFrame)
        return error(ErrorKind::InvalidArgument, "frame packet says {} frame bytes but carries {}",
                     header.frame_len, packet.size() - sizeof header);
    return Frame{header.port, header.flags, packet.subspan(sizeof header)};
}

void size_buffers(int fd) {
    const int bytes = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

} // namespace sf::net::frames
