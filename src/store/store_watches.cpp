// superfluid store: watches (set, remove, fire) and domain introduction.
#include "store/store_impl.h"

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

// Registering fires once at once, with the path as the client gave it (relative stays relative).
StoreStatus Store::Impl::watch(ConnectionId c, std::string_view path, std::string_view token,
                               Outbox& outbox) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, connection->domid, true));
    std::pair<std::string, std::string> key{canonical, std::string(token)};
    if (connection->watches.count(key)) return StoreError::Exists;
    if (!connection->privileged && connection->watches.size() >= quotas.watches_per_connection) {
        return StoreError::Quota;
    }
    bool relative = path.front() != '/' && path.front() != '@';
    Watch watch{c,
                connection->domid,
                connection->privileged,
                connection->sink,
                canonical,
                std::string(token),
                relative ? domain_path(connection->domid) : std::string()};
    WatchEvent first{watch.event_path(canonical), watch.token};
    SF_STORE_TRY(watches.add(std::move(watch)));
    connection->watches.insert(std::move(key));
    outbox.add(connection->sink, c, std::move(first));
    return Done{};
}

StoreStatus Store::Impl::unwatch(ConnectionId c, std::string_view path, std::string_view token) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, connection->domid, true));
    std::pair<std::string, std::string> key{canonical, std::string(token)};
    if (!connection->watches.count(key)) return StoreError::NotFound;
    SF_STORE_TRY(watches.remove(c, key.first, key.second));
    connection->watches.erase(key);
    return Done{};
}

StoreStatus Store::Impl::reset_watches(ConnectionId c) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    remove_all_watches(*connection);
    return Done{};
}

void Store::Impl::remove_all_watches(Connection& connection) {
    for (const auto& [path, token] : connection.watches)
        (void)watches.remove(connection.id, path, token);
    connection.watches.clear();
}

StoreStatus Store::Impl::introduce_domain(ConnectionId c, DomainId domid, Outbox& outbox) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    if (!connection->privileged) return StoreError::Perm;
    if (domid > kMaxDomainId) return StoreError::Invalid;
    if (introduced.insert(domid).second) fire_special(kIntroduceDomain, outbox);
    return Done{};
}

StoreStatus Store::Impl::release_domain(ConnectionId c, DomainId domid, Outbox& outbox) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    if (!connection->privileged) return StoreError::Perm;
    if (introduced.erase(domid) == 0) return StoreError::NotFound;
    fire_special(kReleaseDomain, outbox);
    return Done{};
}

StoreResult<bool> Store::Impl::is_domain_introduced(ConnectionId c, DomainId domid) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    if (!connection->privileged) return StoreError::Perm;
    return introduced.count(domid) > 0;
}

// Watches at or above the change get its path; after a removal, watches
// below it get their own path. Only watchers that may read the node do.
void Store::Impl::fire(const FiredChange& change, Outbox& outbox) const {
    watches.visit_at_or_above(change.path, [&](const Watch& watch) {
        if (may_see_any(watch, change.readers)) {
            outbox.add(watch.sink, watch.connection, WatchEvent{watch.event_path(change.path), watch.token});
        }
    });
    if (!change.removed) return;
    watches.visit_below(change.path, [&](const Watch& watch) {
        const Permissions* perms = removed_perms_above(change, watch.path);
        if (!perms || may_see(watch, *perms)) {
            outbox.add(watch.sink, watch.connection, WatchEvent{watch.event_path(watch.path), watch.token});
        }
    });
}

// Every watcher of a special path gets its events, whatever its permissions.
void Store::Impl::fire_special(std::string_view special, Outbox& outbox) const {
    watches.visit_exact(special, [&](const Watch& watch) {
        outbox.add(watch.sink, watch.connection, WatchEvent{std::string(special), watch.token});
    });
}

} // namespace sf::store
