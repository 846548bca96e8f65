// superfluid toolstack: GuestStoreGate, the guests' door to sfd's store.
//
// A guest's store hypercalls reach sfd through its worker (protocol.h,
// Type::Store) as XenStore request messages. The gate keeps one
// unprivileged store connection per guest (its domain id = the guest's id),
// dispatches each request on it (store/dispatch.h: the Store checks the
// guest's permissions and quotas) and returns the reply message. Watch
// events for a guest's watches go to its worker through the guest's
// WorkerLink, as XenStore WATCH_EVENT messages.
//
// Threading: every method may be called from any thread. WorkerLink::send
// may be called from any thread (the one whose store change fired a watch).
#pragma once

#include "store/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sf::host {

class GuestStoreGate {
  public:
    // Sends one packet (request_id 0: a watch event) to the worker hosting a guest.
    using WorkerLink = std::function<void(uint64_t request_id, std::string_view message)>;

    explicit GuestStoreGate(store::Store& store);
    ~GuestStoreGate();

    // Opens guest `id`'s connection (replacing an earlier one and its watches).
    void open(uint64_t id, WorkerLink link);
    // Closes it: its watches and open transactions go. Idempotent.
    void close(uint64_t id);
    // Handles one request message from guest `id`; returns the reply message,
    // an error reply for a malformed one (or ENOENT-like EINVAL when the guest has no connection).
    std::string handle(uint64_t id, std::string_view message);

  private:
    class Sink;
    struct Entry {
        store::ConnectionId connection;
        std::shared_ptr<Sink> sink;
    };

    store::Store& store_;
    std::mutex mutex_;
    std::map<uint64_t, Entry> guests_;
};

} // namespace sf::host
