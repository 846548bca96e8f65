// superfluid store: Watches, the watch side of the store: the connections'
// watches (set, removed, fired for a change) and the domains introduced
// (whose introduction and release fire "@introduceDomain" and
// "@releaseDomain").
//
// Nothing is delivered here: fire() queues events in an Outbox, which the
// caller delivers once it has released the store's mutex (a WatchSink must
// not be called with it held).
//
// Threading: none; Store::Impl's mutex guards it. Outbox::deliver() runs
// after that mutex is released.
#pragma once

#include "store/connections.h"
#include "store/watch_registry.h"

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sf::store {

// A change watches may fire for: watches at or above `path` get `path`; for
// a removal, watches below it get their own path.
struct FiredChange {
    std::string path;
    std::vector<Permissions> readers; // a watcher must be able to read under one of these
    bool removed = false;
    std::unordered_map<std::string, Permissions> removed_perms; // each removed node's permissions
};

// Watch events waiting for the mutex to be released.
class Outbox {
  public:
    void add(const std::shared_ptr<WatchSink>& sink, ConnectionId connection, WatchEvent event);
    void deliver();

  private:
    struct Delivery {
        std::shared_ptr<WatchSink> sink;
        ConnectionId connection;
        WatchEvent event;
    };
    std::vector<Delivery> deliveries_;
};

class Watches {
  public:
    explicit Watches(size_t per_connection) : per_connection_(per_connection) {}

    // Registers (path, token) for the connection and queues its first event.
    StoreStatus add(Connection& connection, std::string_view path, std::string_view token, Outbox& outbox);
    StoreStatus remove(Connection& connection, std::string_view path, std::string_view token);
    void remove_all(Connection& connection);
    size_t size() const { return registry_.size(); }

    void fire(const FiredChange& change, Outbox& outbox) const;

    // Privileged connections only (Perm otherwise).
    StoreStatus introduce_domain(const Connection& connection, DomainId domid, Outbox& outbox);
    StoreStatus release_domain(const Connection& connection, DomainId domid, Outbox& outbox);
    StoreResult<bool> is_domain_introduced(const Connection& connection, DomainId domid) const;

  private:
    void fire_special(std::string_view special, Outbox& outbox) const;

    WatchRegistry registry_;
    size_t per_connection_; // unprivileged connections' quota
    std::set<DomainId> introduced_;
};

} // namespace sf::store
