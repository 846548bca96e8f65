// superfluid toolstack: sfd <-> worker packets.
#include "host/protocol.h"

#include "common/fd_passing.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sf::host::wire {
namespace {

// A received packet may carry this many descriptors at most before the rest are dropped (MSG_CTRUNC).
constexpr size_t kMaxDescriptors = 4;

// Sends one packet, waiting for room (Wait::Yes) or not: false when there is none (nothing sent).
enum class Wait { Yes, No };
Result<bool> send_packet(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                         uint32_t flags, int pass_fd, Wait wait) {
    if (payload.size() > kMaxPayload) return error("packet of {} bytes is too large", payload.size());
    Header header{kMagic,     kVersion, static_cast<uint16_t>(type),
                  request_id, guest_id, static_cast<uint32_t>(payload.size()),
                  flags};
    iovec parts[2] = {{&header, sizeof header}, {const_cast<char*>(payload.data()), payload.size()}};
    const std::span<const iovec> packet(parts, payload.empty() ? 1 : 2);
    if (wait == Wait::No) {
        Result<bool> sent = try_send_with_fd(fd, packet, pass_fd);
        if (!sent) return error(ErrorKind::Unavailable, "send to peer failed: {}", sent.error().message);
        return *sent;
    }
    if (Result<void> sent = send_with_fd(fd, packet, pass_fd); !sent)
        return error(ErrorKind::Unavailable, "send to peer failed: {}", sent.error().message);
    return true;
}

// The first descriptor in a received packet's control data; closes any others.
UniqueFd take_descriptors(msghdr& msg) {
    UniqueFd first;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int passed = -1;
            std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
            if (!first.valid())
                first.reset(passed);
            else
                ::close(passed);
        }
    }
    return first;
}

} // namespace

Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags) {
    SF_TRY(send_packet(fd, type, request_id, guest_id, payload, flags, -1, Wait::Yes));
    return ok();
}

Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags, int pass_fd) {
    if (pass_fd < 0) return error(ErrorKind::InvalidArgument, "no descriptor to pass");
    SF_TRY(send_packet(fd, type, request_id, guest_id, payload, flags, pass_fd, Wait::Yes));
    return ok();
}

Result<bool> try_send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                      uint32_t flags, int pass_fd) {
    return send_packet(fd, type, request_id, guest_id, payload, flags, pass_fd, Wait::No);
}

Result<Message> receive(int fd) {
    thread_local std::vector<char> buffer(sizeof(Header) + kMaxPayload);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxDescriptors)];
    iovec part{buffer.data(), buffer.size()};
    msghdr msg{};
    ssize_t n;
    do {
        msg.msg_iov = &part;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        n = ::recvmsg(fd, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ECONNRESET) return error(ErrorKind::Closed, "closed"); // the peer died, unread data
    if (n < 0) return error(ErrorKind::Unavailable, "receive failed: {}", std::strerror(errno));
    UniqueFd passed = take_descriptors(msg); // closed on every error below
    if (n == 0) return error(ErrorKind::Closed, "closed");
    const size_t size = static_cast<size_t>(n);
    if (size > buffer.size()) return error("bad packet: {} bytes, more than the maximum", size);
    SF_TRY_ASSIGN(Message message, parse_packet(std::string_view(buffer.data(), size)));
    message.fd = std::move(passed);
    return message;
}

Result<Message> parse_packet(std::string_view packet) {
    Message message;
    if (packet.size() < sizeof(Header))
        return error("bad packet: {} bytes, shorter than a header", packet.size());
    if (packet.size() > sizeof(Header) + kMaxPayload)
        return error("bad packet: {} bytes, too long", packet.size());
    std::memcpy(&message.header, packet.data(), sizeof(Header));
    const Header& h = message.header;
    if (h.magic != kMagic || h.version != kVersion) return error("bad packet: wrong magic or version");
    if (h.payload_len != packet.size() - sizeof(Header)) return error("bad packet: payload length mismatch");
    if (h.type < 1 || h.type > static_cast<uint16_t>(Type::Store))
        return error("bad packet: unknown type {}", h.type);
    message.payload.assign(packet.substr(sizeof(Header)));
    return message;
}

void size_buffers(int fd) {
    int size = static_cast<int>(sizeof(Header) + kMaxPayload) + 16384;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

} // namespace sf::host::wire
