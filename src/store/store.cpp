// superfluid store: Store creation, connections, statistics, and the public
// methods (each takes the mutex, then delivers the watch events it queued).
#include "store/store_impl.h"

namespace sf::store {

// An unknown connection is Invalid; a transaction id that is not open on this connection is NotFound.
StoreResult<Operation> Store::Impl::begin(ConnectionId c, TxId tx) {
    Operation op;
    op.connection = connections.find(c);
    if (!op.connection) return StoreError::Invalid;
    if (tx == 0) {
        op.own_nodes = std::make_unique<WorkingSet>(tree.backend());
        return op;
    }
    op.transaction = transactions.find(c, tx);
    if (!op.transaction) return StoreError::NotFound;
    return op;
}

// Outside a transaction: applies the operation's changes and queues its events.
StoreStatus Store::Impl::finish(Operation& op, Outbox& outbox) {
    if (op.transaction) return Done{};
    SF_STORE_TRY(tree.apply(*op.own_nodes));
    for (const FiredChange& change : op.own_events)
        watches.fire(change, outbox);
    return Done{};
}

void Store::Impl::disconnect(ConnectionId c) {
    Connection* connection = connections.find(c);
    if (!connection) return;
    transactions.abort_all(*connection);
    watches.remove_all(*connection);
    connections.erase(c);
}

Result<std::unique_ptr<Store>> Store::create(std::unique_ptr<Backend> backend, const StoreOptions& options) {
    if (!backend) return error(ErrorKind::InvalidArgument, "store: no back-end");
    auto impl = std::make_unique<Impl>(std::move(backend), options.quotas);
    auto opened = impl->tree.open();
    if (!opened)
        return error("store: opening the {} back-end: {}", impl->tree.backend().name(),
                     opened.error().message);
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

ConnectionId Store::connect(DomainId domid, bool privileged, std::shared_ptr<WatchSink> sink) {
    std::lock_guard lock(impl_->mutex);
    return impl_->connections.add(domid, privileged, std::move(sink));
}

void Store::disconnect(ConnectionId connection) {
    std::lock_guard lock(impl_->mutex);
    impl_->disconnect(connection);
}

StoreResult<std::string> Store::read(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->reading(c, tx, [&](Operation& op) { return impl_->ops.read(op, path); });
}

StoreStatus Store::write(ConnectionId c, TxId tx, std::string_view path, std::string_view value) {
    return impl_->changing(c, tx, [&](Operation& op) { return impl_->ops.write(op, path, value); });
}

StoreStatus Store::mkdir(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->changing(c, tx, [&](Operation& op) { return impl_->ops.mkdir(op, path); });
}

StoreStatus Store::rm(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->changing(c, tx, [&](Operation& op) { return impl_->ops.rm(op, path); });
}

StoreResult<std::vector<std::string>> Store::directory(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->reading(c, tx, [&](Operation& op) { return impl_->ops.directory(op, path); });
}

StoreResult<Permissions> Store::get_perms(ConnectionId c, TxId tx, std::string_view path) {
    return impl_->reading(c, tx, [&](Operation& op) { return impl_->ops.get_perms(op, path); });
}

StoreStatus Store::set_perms(ConnectionId c, TxId tx, std::string_view path, const Permissions& perms) {
    return impl_->changing(c, tx, [&](Operation& op) { return impl_->ops.set_perms(op, path, perms); });
}

StoreResult<TxId> Store::transaction_start(ConnectionId c) {
    return impl_->on_connection(
        c, [&](Connection& connection) { return impl_->transactions.start(connection); });
}

StoreStatus Store::transaction_end(ConnectionId c, TxId tx, bool commit) {
    return impl_->on_connection_firing(c, [&](Connection& connection, Outbox& outbox) {
        return impl_->transactions.end(connection, tx, commit, outbox);
    });
}

StoreStatus Store::watch(ConnectionId c, std::string_view path, std::string_view token) {
    return impl_->on_connection_firing(c, [&](Connection& connection, Outbox& outbox) {
        return impl_->watches.add(connection, path, token, outbox);
    });
}

StoreStatus Store::unwatch(ConnectionId c, std::string_view path, std::string_view token) {
    return impl_->on_connection(
        c, [&](Connection& connection) { return impl_->watches.remove(connection, path, token); });
}

StoreStatus Store::reset_watches(ConnectionId c) {
    return impl_->on_connection(c, [&](Connection& connection) -> StoreStatus {
        impl_->watches.remove_all(connection);
        return Done{};
    });
}

StoreStatus Store::introduce_domain(ConnectionId c, DomainId domid) {
    return impl_->on_connection_firing(c, [&](Connection& connection, Outbox& outbox) {
        return impl_->watches.introduce_domain(connection, domid, outbox);
    });
}

StoreStatus Store::release_domain(ConnectionId c, DomainId domid) {
    return impl_->on_connection_firing(c, [&](Connection& connection, Outbox& outbox) {
        return impl_->watches.release_domain(connection, domid, outbox);
    });
}

StoreResult<bool> Store::is_domain_introduced(ConnectionId c, DomainId domid) {
    return impl_->on_connection(
        c, [&](Connection& connection) { return impl_->watches.is_domain_introduced(connection, domid); });
}

StoreStats Store::stats() const {
    std::lock_guard lock(impl_->mutex);
    StoreStats stats;
    stats.nodes = impl_->tree.size();
    stats.connections = impl_->connections.size();
    stats.watches = impl_->watches.size();
    stats.transactions = impl_->transactions.size();
    stats.commits = impl_->transactions.commits();
    stats.conflicts = impl_->transactions.conflicts();
    return stats;
}

const char* Store::backend_name() const {
    return impl_->tree.backend().name();
}

} // namespace sf::store
