// superfluid store: Watches, the watch side: watches (set, remove, fire),
// domain introduction, and the Outbox their events wait in.
#include "store/watches.h"

#include "store/path.h"

namespace sf::store {
namespace {

bool may_see(const Watch& watch, const Permissions& perms) {
    return watch.privileged || can_read(perms.access_of(watch.domid));
}

bool may_see_any(const Watch& watch, const std::vector<Permissions>& readers) {
    for (const Permissions& perms : readers) {
        if (may_see(watch, perms)) return true;
    }
    return false;
}

// The permissions of the removed node nearest at or above `watched`.
const Permissions* removed_perms_above(const FiredChange& change, std::string_view watched) {
    while (true) {
        auto found = change.removed_perms.find(std::string(watched));
        if (found != change.removed_perms.end()) return &found->second;
        if (watched == "/" || watched == change.path) return nullptr;
        watched = parent_of(watched);
    }
}

} // namespace

void Outbox::add(const std::shared_ptr<WatchSink>& sink, ConnectionId connection, WatchEvent event) {
    if (sink) deliveries_.push_back(Delivery{sink, connection, std::move(event)});
}

void Outbox::deliver() {
    for (const Delivery& delivery : deliveries_)
        delivery.sink->deliver(delivery.connection, delivery.event);
    deliveries_.clear();
}

// Registering fires once at once, with the path as the client gave it (relative stays relative).
StoreStatus Watches::add(Connection& connection, std::string_view path, std::string_view token,
                         Outbox& outbox) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, connection.domid, true));
    std::pair<std::string, std::string> key{canonical, std::string(token)};
    if (connection.watches.count(key)) return StoreError::Exists;
    if (!connection.privileged && connection.watches.size() >= per_connection_) return StoreError::Quota;
    bool relative = path.front() != '/' && path.front() != '@';
    Watch watch{connection.id,
                connection.domid,
                connection.privileged,
                connection.sink,
                canonical,
                std::string(token),
                relative ? domain_path(connection.domid) : std::string()};
    WatchEvent first{watch.event_path(canonical), watch.token};
    SF_STORE_TRY(registry_.add(std::move(watch)));
    connection.watches.insert(std::move(key));
    outbox.add(connection.sink, connection.id, std::move(first));
    return Done{};
}

StoreStatus Watches::remove(Connection& connection, std::string_view path, std::string_view token) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, connection.domid, true));
    std::pair<std::string, std::string> key{canonical, std::string(token)};
    if (!connection.watches.count(key)) return StoreError::NotFound;
    SF_STORE_TRY(registry_.remove(connection.id, key.first, key.second));
    connection.watches.erase(key);
    return Done{};
}

void Watches::remove_all(Connection& connection) {
    for (const auto& [path, token] : connection.watches)
        (void)registry_.remove(connection.id, path, token);
    connection.watches.clear();
}

StoreStatus Watches::introduce_domain(const Connection& connection, DomainId domid, Outbox& outbox) {
    if (!connection.privileged) return StoreError::Perm;
    if (domid > kMaxDomainId) return StoreError::Invalid;
    if (introduced_.insert(domid).second) fire_special(kIntroduceDomain, outbox);
    return Done{};
}

StoreStatus Watches::release_domain(const Connection& connection, DomainId domid, Outbox& outbox) {
    if (!connection.privileged) return StoreError::Perm;
    if (introduced_.erase(domid) == 0) return StoreError::NotFound;
    fire_special(kReleaseDomain, outbox);
    return Done{};
}

StoreResult<bool> Watches::is_domain_introduced(const Connection& connection, DomainId domid) const {
    if (!connection.privileged) return StoreError::Perm;
    return introduced_.count(domid) > 0;
}

// Watches at or above the change get its path; after a removal, watches
// below it get their own path. Only watchers that may read the node do.
void Watches::fire(const FiredChange& change, Outbox& outbox) const {
    registry_.visit_at_or_above(change.path, [&](const Watch& watch) {
        if (may_see_any(watch, change.readers)) {
            outbox.add(watch.sink, watch.connection, WatchEvent{watch.event_path(change.path), watch.token});
        }
    });
    if (!change.removed) return;
    registry_.visit_below(change.path, [&](const Watch& watch) {
        const Permissions* perms = removed_perms_above(change, watch.path);
        if (!perms || may_see(watch, *perms)) {
            outbox.add(watch.sink, watch.connection, WatchEvent{watch.event_path(watch.path), watch.token});
        }
    });
}

// Every watcher of a special path gets its events, whatever its permissions.
void Watches::fire_special(std::string_view special, Outbox& outbox) const {
    registry_.visit_exact(special, [&](const Watch& watch) {
        outbox.add(watch.sink, watch.connection, WatchEvent{std::string(special), watch.token});
    });
}

} // namespace sf::store
