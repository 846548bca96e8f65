// superfluid toolstack: PacketOutbox, sfd's sending side of a worker's
// socket, which never makes a sender wait.
//
// Why: sfd and a worker send to each other on one SOCK_SEQPACKET pair
// (protocol.h). Were both to block on a full socket at once, neither would
// read again: sfd's reader thread answering a guest's store request (and
// sending the watch events its write fired) while the worker's main thread
// sends a reply, under a burst of watch events. So one side never blocks, and
// it is sfd's: all its sends to a worker are here, in one class, while the
// worker sends from many threads and files; and the worker's blocking sends
// wait only for sfd's reader, which now always gets back to reading.
//
// post() sends the packet at once when nothing is queued before it and the
// socket has room; otherwise it queues it, and the writer thread sends the
// queue, in order, as the worker reads. At most kMaxQueuedBytes of payload
// wait: past that post() fails (Unavailable) and drops the packet. A worker
// that has left 8 MiB unread is stuck: a call to it fails, a store reply is
// lost (the guest's request times out with -SF_EIO), a watch event is dropped
// (as a guest's own event queue drops its oldest when full). When the socket
// fails (the worker is gone), or close() is called, what is queued is
// dropped and every later post() fails.
//
// Threading: post() and close() from any thread; packets go out in the order
// of the post() calls. The socket must outlive the outbox.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/protocol.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sf::host {

class PacketOutbox {
  public:
    static constexpr size_t kMaxQueuedBytes = 8 << 20;

    explicit PacketOutbox(int socket);
    ~PacketOutbox(); // close(), and the writer thread joined
    PacketOutbox(const PacketOutbox&) = delete;
    PacketOutbox& operator=(const PacketOutbox&) = delete;

    // One packet (wire::send's arguments; pass_fd < 0: none, else a duplicate
    // of it goes with the packet). Never waits for the worker.
    Result<void> post(wire::Type type, uint64_t request_id, uint64_t guest_id, std::string_view payload,
                      uint32_t flags = 0, int pass_fd = -1);
    // Drops what is queued; later posts fail. Idempotent.
    void close();
    size_t queued_bytes() const;

  private:
    struct Packet {
        wire::Type type;
        uint64_t request_id, guest_id;
        std::string payload;
        uint32_t flags;
        UniqueFd fd; // a duplicate of the one to pass, if any
    };
    void write_loop();
    // Sends queued packets while the socket takes them (mutex_ held); whether it sent any.
    bool send_queued();
    // Closes the outbox after the socket failed (mutex_ held).
    Error fail(const Error& why);

    const int socket_;
    mutable std::mutex mutex_;
    std::condition_variable queued_;
    std::deque<Packet> queue_;
    size_t queued_bytes_ = 0;
    bool closed_ = false;
    std::string closed_why_;
    std::thread writer_; // last: starts once the rest is ready
};

} // namespace sf::host
