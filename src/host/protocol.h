// superfluid toolstack: the wire protocol between sfd and its worker processes.
//
// One SOCK_SEQPACKET socket pair per worker: every message is one packet, a
// fixed 32-byte header and a payload of at most kMaxPayload bytes. Requests
// (sfd -> worker) and replies carry a JSON object; events (worker -> sfd,
// request_id 0) carry a JSON object; console packets carry raw console bytes.
//
// Requests: {"op": "create", "id", "name", "image", "mem", "cmdline", "start"}
//           {"op": "start"|"pause"|"resume"|"destroy"|"info"|"logs"|"follow"|"unfollow", "id"}
//           {"op": "stats"} {"op": "shutdown"}
// Replies:  {"ok": true, "console_bytes"?: N, ...} or {"error": "one line", "kind": ErrorKind as int};
//           the reply to "logs" and "follow" is the console ring as raw bytes
//           (kRawPayload), or {"ok": true, "empty": true}. After "follow",
//           console packets carry exactly the bytes written after that ring.
// Events:   {"event": "first_output", "t_ns": CLOCK_MONOTONIC ns}
//           {"event": "exited", "status": N}  {"event": "crashed", "reason": "..."}
//
// Threading: send() may be called from several threads at once (one packet
// is one sendmsg); receive() from one thread.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::host::wire {

inline constexpr uint32_t kMagic = 0x50574653; // "SFWP"
inline constexpr uint16_t kVersion = 1;
// Fits the default socket buffer limit (net.core.wmem_max, 208 KiB) with room to spare.
inline constexpr uint32_t kMaxPayload = 160u << 10;

enum class Type : uint16_t { Request = 1, Reply = 2, Event = 3, Console = 4 };
enum Flags : uint32_t { kRawPayload = 1 };

struct Header {
    uint32_t magic;
    uint16_t version;
    uint16_t type;       // Type
    uint64_t request_id; // 0 for events and console packets
    uint64_t guest_id;   // the guest an event or console packet is about
    uint32_t payload_len;
    uint32_t flags;      // Flags
};
static_assert(sizeof(Header) == 32);
static_assert(alignof(Header) == 8);

struct Message {
    Header header{};
    std::string payload;
    Type type() const { return static_cast<Type>(header.type); }
};

// Sends one packet. Errors: the peer is gone, or the payload is too large.
Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags = 0);
// Receives one packet; an error when the peer closed the socket (message
// "closed") or sent something that is not a valid packet.
Result<Message> receive(int fd);
// Checks and splits one received packet (what receive() does after recv).
Result<Message> parse_packet(std::string_view packet);
// Sizes the socket buffers so that a packet of kMaxPayload fits.
void size_buffers(int fd);

} // namespace sf::host::wire
