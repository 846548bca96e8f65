// superfluid monitor: StorePort, the monitor's side of a guest's store access.
//
// SF_HC_STORE (abi.h, "The store") turns each guest op into one XenStore
// request (type + payload, XenStore's own encoding) and hands it to a
// StoreTransport, which the host implements (the worker forwards it to sfd,
// where the guest is an unprivileged connection of its own domain). Watch
// events come back asynchronously: the host calls push_event(), the event
// waits in a bounded queue (the oldest is dropped when full, and counted),
// the guest sees SF_POLL_STORE in poll and takes events with NEXT_EVENT.
// Whoever pushes an event also wakes a guest parked in poll (the worker:
// Scheduler::notify), as for a NIC's RX.
//
// The monitor does not link the store: the few XenStore numbers it needs are
// below (xs_wire.h's; src/store/wire.h defines the same ones).
//
// Threading:
// - request() runs on the vCPU thread, inside the hypercall, and blocks
//   until the transport answers (the transport bounds the wait);
// - push_event(), events_pending() and stats() may be called from any
//   thread; take_event() runs on the vCPU thread. One mutex guards the queue.
// - snapshot() and restore() may be called from any thread; restore() on a
//   port whose guest is being built (before its vCPU runs).
//
// Snapshots (Tag::StorePort): the queued events and the counters. Payload
// (little-endian): uint32 count (<= kQueueMax), uint32 reserved 0, the four
// StorePortStats counters as uint64, then per event uint32 length
// (<= SF_STORE_EVENT_MAX) and its bytes. decode() refuses anything else.
#pragma once

#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sf::vmm {

// XenStore's message types and limits (xs_wire.h), as the store's wire protocol uses them.
namespace xs {
inline constexpr uint32_t kDirectory = 1;
inline constexpr uint32_t kRead = 2;
inline constexpr uint32_t kWatch = 4;
inline constexpr uint32_t kUnwatch = 5;
inline constexpr uint32_t kWrite = 11;
inline constexpr uint32_t kRm = 13;
inline constexpr uint32_t kWatchEvent = 15;
inline constexpr uint32_t kError = 16;
inline constexpr size_t kHeaderSize = 16;   // {uint32 type, req_id, tx_id, len}, host byte order
inline constexpr size_t kPayloadMax = 4096; // XENSTORE_PAYLOAD_MAX
} // namespace xs

// One XenStore message without its header.
struct StoreMessage {
    uint32_t type = 0;
    std::string payload;
};

// The way to the store. request() sends one request and returns the store's
// reply (an error reply is a reply: type xs::kError, payload "ENOENT\0"). An
// Error means no answer came (timed out, the store is gone): the guest gets
// -SF_EIO. Called on the vCPU thread; it may block, for a bounded time.
class StoreTransport {
  public:
    virtual ~StoreTransport() = default;
    virtual Result<StoreMessage> request(uint32_t type, std::string_view payload) = 0;
};

struct StorePortStats {
    uint64_t requests = 0;       // sent to the transport
    uint64_t failures = 0;       // no answer from the transport (the guest got -SF_EIO)
    uint64_t events = 0;         // queued
    uint64_t events_dropped = 0; // the oldest, dropped because the queue was full
};

struct StorePortSnapshot {
    std::deque<std::string> events; // oldest first
    StorePortStats stats;
};

class StorePort {
  public:
    static constexpr size_t kQueueMax = 64; // SF_STORE_QUEUE_MAX

    explicit StorePort(std::shared_ptr<StoreTransport> transport) : transport_(std::move(transport)) {}
    StorePort(const StorePort&) = delete;
    StorePort& operator=(const StorePort&) = delete;

    // One request through the transport, counted (vCPU thread).
    Result<StoreMessage> request(uint32_t type, std::string_view payload);

    // Queues a watch event (an XS_WATCH_EVENT payload, "PATH\0TOKEN\0").
    void push_event(std::string payload);
    bool events_pending() const;
    // The oldest event if it fits `capacity` bytes (then it leaves the queue);
    // otherwise only its size, and it stays queued. size 0: the queue is empty.
    struct Taken {
        size_t size = 0;     // the event's size in bytes (0: none queued)
        std::string payload; // set when it fitted
        bool fitted = false;
    };
    Taken take_event(size_t capacity);
    StorePortStats stats() const;

    StorePortSnapshot snapshot() const;
    // Replaces the queue and counters. Precondition: from decode(), or of a snapshot().
    void restore(StorePortSnapshot snapshot);
    static std::vector<uint8_t> encode(const StorePortSnapshot& snapshot);
    [[nodiscard]] static Result<StorePortSnapshot> decode(std::span<const uint8_t> payload);

  private:
    const std::shared_ptr<StoreTransport> transport_;
    mutable std::mutex mutex_;
    std::deque<std::string> events_;
    StorePortStats stats_;
};

} // namespace sf::vmm
