// superfluid toolstack: the wire protocol between sfd and its worker processes.
//
// One SOCK_SEQPACKET socket pair per worker: every message is one packet, a
// fixed 32-byte header and a payload of at most kMaxPayload bytes.
//
// Requests, replies and events carry the operations of worker_api.h, in its
// codec (JSON): requests (sfd -> worker) and their replies are matched by
// request_id; events (worker -> sfd, request_id 0) are about guest_id;
// console packets carry raw console bytes. After a Follow reply, console
// packets carry exactly the bytes written after that reply's.
//
// Store packets (Type::Store, kRawPayload): a guest's store hypercalls
// (abi.h, SF_HC_STORE), for a guest created with "store": true. The payload
// is one XenStore message: a 16-byte header {uint32 type, req_id, tx_id, len}
// in host byte order, then len bytes (at most 4096), as store/wire.h.
//   worker -> sfd: guest_id = the guest, request_id = a worker-chosen id
//           (never 0; the XenStore req_id is its low 32 bits, tx_id 0), payload
//           = one request (XS_READ, XS_WRITE, XS_RM, XS_DIRECTORY, XS_WATCH,
//           XS_UNWATCH) to run as the guest's own unprivileged connection
//           (domain id = guest id);
//   sfd -> worker: the reply, with the same request_id and guest_id; payload =
//           the XenStore reply message (XS_ERROR "ENOENT\0" for an error). A
//           guest waits 5 s for it, then gets -SF_EIO; a late reply is dropped;
//   sfd -> worker, request_id 0: a watch event for guest_id, payload = one
//           XS_WATCH_EVENT message ("PATH\0TOKEN\0").
//
// Descriptors: a request may carry one descriptor (SCM_RIGHTS in the same
// sendmsg as the packet; send() with pass_fd). receive() puts it in
// Message::fd (close-on-exec; any extra descriptors are closed). The ops
// with worker_api's kTakesDescriptor carry one.
//
// Who may block: the worker sends with send(), which waits for room in the
// socket; sfd never waits (host/packet_outbox.h: try_send(), else a queue),
// so its reader always gets back to reading and the two cannot deadlock.
//
// Threading: send() may be called from several threads at once (one packet
// is one sendmsg); receive() from one thread.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::host::wire {

inline constexpr uint32_t kMagic = 0x50574653; // "SFWP"
inline constexpr uint16_t kVersion = 1;
// Fits the default socket buffer limit (net.core.wmem_max, 208 KiB) with room to spare.
inline constexpr uint32_t kMaxPayload = 160u << 10;

enum class Type : uint16_t { Request = 1, Reply = 2, Event = 3, Console = 4, Store = 5 };
enum Flags : uint32_t { kRawPayload = 1 };

struct Header {
    uint32_t magic;
    uint16_t version;
    uint16_t type;       // Type
    uint64_t request_id; // 0 for events and console packets
    uint64_t guest_id;   // the guest an event or console packet is about
    uint32_t payload_len;
    uint32_t flags; // Flags
};
static_assert(sizeof(Header) == 32);
static_assert(alignof(Header) == 8);

struct Message {
    Header header{};
    std::string payload;
    UniqueFd fd; // the descriptor passed with the packet, if any
    Type type() const { return static_cast<Type>(header.type); }
};

// Sends one packet. Errors: the peer is gone, or the payload is too large.
Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags = 0);
// The same, passing `pass_fd` (not closed) with the packet in the same sendmsg.
Result<void> send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                  uint32_t flags, int pass_fd);
// As send() (pass_fd < 0: none), but never waits for room in the socket:
// false when there is none now (nothing was sent).
Result<bool> try_send(int fd, Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                      uint32_t flags = 0, int pass_fd = -1);
// Receives one packet and the descriptor passed with it; an error when the peer is gone (ErrorKind::Closed:
// it closed the socket, or died with packets of ours unread, which AF_UNIX reports as ECONNRESET) or sent
// something that is not a valid packet.
Result<Message> receive(int fd);
// Checks and splits one received packet (what receive() does after recv).
Result<Message> parse_packet(std::string_view packet);
// Sizes the socket buffers so that a packet of kMaxPayload fits.
void size_buffers(int fd);

} // namespace sf::host::wire
