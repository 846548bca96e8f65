// superfluid toolstack: sfd <-> worker packets.
#include "host/protocol.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sf::host::wire {

Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags) {
    if (payload.size() > kMaxPayload) return error("packet of {} bytes is too large", payload.size());
    Header header{kMagic, kVersion, static_cast<uint16_t>(type), request_id, guest_id,
                  static_cast<uint32_t>(payload.size()), flags};
    iovec parts[2] = {{&header, sizeof header}, {const_cast<char*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = payload.empty() ? 1 : 2;
    for (;;) {
        if (::sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0) return ok();
        if (errno != EINTR) return error(ErrorKind::Unavailable, "send to peer failed: {}", std::strerror(errno));
    }
}

Result<Message> receive(int fd) {
    thread_local std::vector<char> buffer(sizeof(Header) + kMaxPayload);
    ssize_t n;
    do n = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n == 0) return error(ErrorKind::Unavailable, "closed");
    if (n < 0) return error(ErrorKind::Unavailable, "receive failed: {}", std::strerror(errno));
    const size_t size = static_cast<size_t>(n);
    if (size > buffer.size()) return error("bad packet: {} bytes, more than the maximum", size);
    return parse_packet(std::string_view(buffer.data(), size));
}

Result<Message> parse_packet(std::string_view packet) {
    Message message;
    if (packet.size() < sizeof(Header)) return error("bad packet: {} bytes, shorter than a header", packet.size());
    if (packet.size() > sizeof(Header) + kMaxPayload) return error("bad packet: {} bytes, too long", packet.size());
    std::memcpy(&message.header, packet.data(), sizeof(Header));
    const Header& h = message.header;
    if (h.magic != kMagic || h.version != kVersion) return error("bad packet: wrong magic or version");
    if (h.payload_len != packet.size() - sizeof(Header)) return error("bad packet: payload length mismatch");
    if (h.type < 1 || h.type > static_cast<uint16_t>(Type::Store)) return error("bad packet: unknown type {}", h.type);
    message.payload.assign(packet.substr(sizeof(Header)));
    return message;
}

void size_buffers(int fd) {
    int size = static_cast<int>(sizeof(Header) + kMaxPayload) + 16384;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

} // namespace sf::host::wire
