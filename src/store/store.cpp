// superfluid store: Store creation, connections, statistics, and the public
// methods (each takes the mutex, then delivers the watch events it queued).
#include "store/store_impl.h"

#include "store/path.h"

namespace sf::store {

void Outbox::add(const std::shared_ptr<WatchSink>& sink, ConnectionId connection, WatchEvent event) {
    if (sink) deliveries_.push_back(Delivery{sink, connection, std::move(event)});
}

void Outbox::deliver() {
    for (const Delivery& delivery : deliveries_)
        delivery.sink->deliver(delivery.connection, delivery.event);
    deliveries_.clear();
}

// Counts every node per owner, finds the last generation stamped, then
// creates the nodes every store has ("/", "/local", "/local/domain", "/tool").
Result<void> Store::Impl::open() {
    SF_TRY(backend->for_each([this](std::string_view, const Node& node) {
        ++owned_nodes[node.perms.owner()];
        ++node_count;
        generation = std::max(generation, node.generation);
    }));
    ChangeSet base;
    for (const char* path : {"/", "/local", "/local/domain", "/tool"}) {
        SF_TRY_ASSIGN(auto existing, backend->read(path));
        if (existing) continue;
        base.changes.push_back(
            Change{Change::Kind::Put, path, Node{"", Permissions::owned_by(kDom0), ++generation}});
    }
    if (base.changes.empty()) return ok();
    SF_TRY(backend->apply(base));
    owned_nodes[kDom0] += static_cast<int64_t>(base.changes.size());
    node_count += static_cast<int64_t>(base.changes.size());
    return ok();
}

void Store::Impl::disconnect(ConnectionId c) {
    Connection* connection = find_connection(c);
    if (!connection) return;
    abort_all(*connection);
    remove_all_watches(*connection);
    connections.erase(c);
}

Result<std::unique_ptr<Store>> Store::create(std::unique_ptr<Backend> backend, const StoreOptions& options) {
    if (!backend) return error(ErrorKind::InvalidArgument, "store: no back-end");
    auto impl = std::make_unique<Impl>();
    impl->backend = std::move(backend);
    impl->quotas = options.quotas;
    auto opened = impl->open();
    if (!opened)
        return error("store: opening the {} back-end: {}", impl->backend->name(), opened.error().message);
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

ConnectionId Store::connect(DomainId domid, bool privileged, std::shared_ptr<WatchSink> sink) {
    std::lock_guard lock(impl_->mutex);
    ConnectionId id = impl_->next_connection++;
    auto connection = std::make_unique<Connection>();
    connection->id = id;
    connection->domid = domid;
    connection->privileged = privileged;
    connection->sink = std::move(sink);
    impl_->connections.emplace(id, std::move(connection));
    return id;
}

void Store::disconnect(ConnectionId connection) {
    std::lock_guard lock(impl_->mutex);
    impl_->disconnect(connection);
}

StoreResult<std::string> Store::read(ConnectionId c, TxId tx, std::string_view path) {
    std::lock_guard lock(impl_->mutex);
    return impl_->read(c, tx, path);
}

StoreStatus Store::write(ConnectionId c, TxId tx, std::string_view path, std::string_view value) {
    return impl_->locked([&](Outbox& outbox) { return impl_->write(c, tx, path, value, outbox); });
}

StoreStatus Store::mkdir(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->locked([&](Outbox& outbox) { return impl_->mkdir(c, tx, path, outbox); });
}

StoreStatus Store::rm(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->locked([&](Outbox& outbox) { return impl_->rm(c, tx, path, outbox); });
}

StoreResult<std::vector<std::string>> Store::directory(ConnectionId c, TxId tx, std::string_view path) {
    std::lock_guard lock(impl_->mutex);
    return impl_->directory(c, tx, path);
}

StoreResult<Permissions> Store::get_perms(ConnectionId c, TxId tx, std::string_view path) {
    std::lock_guard lock(impl_->mutex);
    return impl_->get_perms(c, tx, path);
}

StoreStatus Store::set_perms(ConnectionId c, TxId tx, std::string_view path, const Permissions& perms) {
    return impl_->locked([&](Outbox& outbox) { return impl_->set_perms(c, tx, path, perms, outbox); });
}

StoreResult<TxId> Store::transaction_start(ConnectionId c) {
    std::lock_guard lock(impl_->mutex);
    return impl_->transaction_start(c);
}

StoreStatus Store::transaction_end(ConnectionId c, TxId tx, bool commit) {
    return impl_->locked([&](Outbox& outbox) { return impl_->transaction_end(c, tx, commit, outbox); });
}

StoreStatus Store::watch(ConnectionId c, std::string_view path, std::string_view token) {
    return impl_->locked([&](Outbox& outbox) { return impl_->watch(c, path, token, outbox); });
}

StoreStatus Store::unwatch(ConnectionId c, std::string_view path, std::string_view token) {
    std::lock_guard lock(impl_->mutex);
    return impl_->unwatch(c, path, token);
}

StoreStatus Store::reset_watches(ConnectionId c) {
    std::lock_guard lock(impl_->mutex);
    return impl_->reset_watches(c);
}

StoreStatus Store::introduce_domain(ConnectionId c, DomainId domid) {
    return impl_->locked([&](Outbox& outbox) { return impl_->introduce_domain(c, domid, outbox); });
}

StoreStatus Store::release_domain(ConnectionId c, DomainId domid) {
    return impl_->locked([&](Outbox& outbox) { return impl_->release_domain(c, domid, outbox); });
}

StoreResult<bool> Store::is_domain_introduced(ConnectionId c, DomainId domid) {
    std::lock_guard lock(impl_->mutex);
    return impl_->is_domain_introduced(c, domid);
}

StoreStats Store::stats() const {
    std::lock_guard lock(impl_->mutex);
    StoreStats stats;
    stats.nodes = static_cast<uint64_t>(impl_->node_count);
    stats.connections = impl_->connections.size();
    stats.watches = impl_->watches.size();
    stats.transactions = impl_->transactions.size();
    stats.commits = impl_->commits;
    stats.conflicts = impl_->conflicts;
    return stats;
}

const char* Store::backend_name() const {
    return impl_->backend->name();
}

} // namespace sf::store
