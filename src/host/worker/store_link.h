// superfluid worker: StoreLinks, the worker's side of its guests' store access.
//
// A guest created with a store (create request "store": true) gets a
// vmm::StorePort from open(); its transport is a link through here. A store
// hypercall (on the guest's runner thread) becomes one Type::Store packet to
// sfd (protocol.h) carrying a XenStore request message, and the runner waits
// for sfd's reply, matched by request id, for at most the timeout (5 s; the
// guest then gets -SF_EIO). The thread that reads sfd's socket hands every
// Type::Store packet from sfd to receive(): a reply wakes its waiter; a watch
// event (request_id 0) goes to the guest's StorePort queue, and the guest is
// woken through the WakeFn given to open() (Scheduler::notify).
//
// XenStore messages here are a 16-byte header {type, req_id, tx_id, len}
// (host byte order; req_id = the packet's request id, truncated; tx_id 0)
// and len payload bytes, at most xs::kPayloadMax.
//
// Threading: every method may be called from any thread. WakeFn runs on the
// thread that calls receive(), with no lock held. The StorePorts and their
// links may outlive this object: their requests then fail at once.
#pragma once

#include "common/result.h"
#include "vmm/devices/store_port.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace sf::host {

class StoreLinks {
  public:
    // Sends one Type::Store packet to sfd.
    using SendFn =
        std::function<Result<void>(uint64_t request_id, uint64_t guest_id, std::string_view message)>;
    // Wakes a guest that may be parked in poll.
    using WakeFn = std::function<void()>;

    explicit StoreLinks(SendFn send, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~StoreLinks();
    StoreLinks(const StoreLinks&) = delete;
    StoreLinks& operator=(const StoreLinks&) = delete;

    // Guest `guest_id`'s StorePort. Conflict if that guest has one open already.
    Result<std::shared_ptr<vmm::StorePort>> open(uint64_t guest_id, WakeFn wake);
    // Forgets the guest: a request it waits for fails at once, and so do its
    // later ones; later events for it are dropped. Idempotent.
    void close(uint64_t guest_id);
    // Registers every guest's watches again (those sfd accepted and the guest
    // has not removed), without waiting for the replies: a restarted sfd knows
    // none of them. Returns how many. The watches fire once on registration,
    // so a guest learns of changes made while sfd was away.
    size_t replay_watches();
    // The guest's accepted watches as a Watches record's payload
    // (worker_records.h); an empty list if it has no link.
    std::string save_watches(uint64_t guest_id) const;
    // A restored guest's watches (a Watches record's payload), for its link
    // opened already: remembered as accepted and registered with sfd at
    // once, like replay_watches() (they fire once there). Returns how many.
    // Errors: a malformed payload, more watches than the store lets a guest
    // have (store::kWatchesPerConnection), or watches for a guest with no link.
    Result<size_t> restore_watches(uint64_t guest_id, std::string_view payload);
    // A Type::Store packet from sfd.
    void receive(uint64_t request_id, uint64_t guest_id, std::string_view message);
    // {"requests", "replies", "timeouts", "unmatched", "events", "events_dropped", "guests",
    //  "watches_replayed", "replays_unanswered"}
    nlohmann::json stats() const;

    // The XenStore message encoding used on the link (exposed for tests).
    static std::string encode(uint32_t type, uint32_t req_id, std::string_view payload);
    static Result<vmm::StoreMessage> decode(std::string_view message);

  private:
    struct Shared;
    class Link;
    std::shared_ptr<Shared> shared_;
};

} // namespace sf::host
