// superfluid switch: the frame channel between sfd's switch and a worker.
//
// One SOCK_SEQPACKET socket pair per worker process carries Ethernet frames
// between the guests' NICs (in the worker) and the network switches (in sfd).
// Every packet is one frame: a fixed 16-byte header naming the switch port
// (the host-unique port key sfd gave the NIC) and the frame itself.
// Frames never wait: a full socket buffer drops the frame (counted by the
// sender), as a full NIC ring does.
//
// Flags: kReturned marks a frame a worker gives back unread, addressed to a
// guest that left this host while the frame was on its way (a live
// migration's pause): sfd sends it out of the port's uplink instead of
// switching it, towards the guest's new place. Unknown flags are refused.
//
// Threading: send_frame() may be called from several threads at once (one
// packet is one sendmsg); receive from one thread.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <span>

namespace sf::net::frames {

inline constexpr uint32_t kMagic = 0x52465346; // "SFFR"
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kMaxFrame = 1518; // 1514 plus one 802.1Q tag

struct Header {
    uint32_t magic;
    uint16_t version;
    uint16_t flags;     // kReturned, or 0
    uint32_t port;      // port key
    uint32_t frame_len; // bytes after the header
};
static_assert(sizeof(Header) == 16);

inline constexpr size_t kMaxPacket = sizeof(Header) + kMaxFrame;
inline constexpr uint16_t kReturned = 1; // worker -> sfd: for a guest that has left (see above)

enum class SendStatus { Sent, Full };
// Sends one frame without blocking. Full: the peer's buffer is full (drop it);
// an error: the peer is gone.
Result<SendStatus> send_frame(int fd, uint32_t port, std::span<const uint8_t> frame, uint16_t flags = 0);

struct Frame {
    uint32_t port;
    uint16_t flags;
    std::span<const uint8_t> bytes; // inside the packet given to parse()
};
// Checks one received packet: magic, version, flags, lengths.
Result<Frame> parse(std::span<const uint8_t> packet);
// Sizes the socket's buffers for bursts (~256 frames each way).
void size_buffers(int fd);

} // namespace sf::net::frames
