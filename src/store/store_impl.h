// superfluid store: Store::Impl, the state behind Store and the pieces its
// files share (connections, transactions, pending watch events).
//
// Files: store.cpp (creation, connections, the locked public methods),
// store_access.cpp (operation context, permission checks, node creation,
// applying a WorkingSet), store_ops.cpp (read, write, mkdir, rm, directory,
// permissions), store_transactions.cpp, store_watches.cpp (watches, domain
// introduction, firing events).
//
// Every Impl method runs with `mutex` held; watch events are collected into
// an Outbox and delivered by the public method after unlocking.
#pragma once

#include "store/store.h"
#include "store/watch_registry.h"
#include "store/working_set.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

// Returns the error of a failed StoreResult expression from the enclosing function.
#define SF_STORE_TRY(expr)                                                                                   \
    do {                                                                                                     \
        auto sf_store_try_ = (expr);                                                                         \
        if (!sf_store_try_.ok()) return sf_store_try_.error();                                               \
    } while (0)

// Declares `decl` from the value of a StoreResult expression, or returns its error.
#define SF_STORE_ASSIGN(decl, expr) SF_STORE_ASSIGN_IMPL_(decl, expr, SF_STORE_CONCAT_(sf_store_, __LINE__))
#define SF_STORE_CONCAT_(a, b) SF_STORE_CONCAT2_(a, b)
#define SF_STORE_CONCAT2_(a, b) a##b
#define SF_STORE_ASSIGN_IMPL_(decl, expr, tmp)                                                               \
    auto tmp = (expr);                                                                                       \
    if (!tmp.ok()) return tmp.error();                                                                       \
    decl = std::move(tmp).value()

namespace sf::store {

struct Connection {
    ConnectionId id = 0;
    DomainId domid = 0;
    bool privileged = false;
    std::shared_ptr<WatchSink> sink;
    std::set<std::pair<std::string, std::string>> watches; // (canonical path, token)
    std::set<TxId> transactions;                           // open
};

// A change watches may fire for: watches at or above `path` get `path`; for
// a removal, watches below it get their own path.
struct FiredChange {
    std::string path;
    std::vector<Permissions> readers; // a watcher must be able to read under one of these
    bool removed = false;
    std::unordered_map<std::string, Permissions> removed_perms; // each removed node's permissions
};

struct Transaction {
    Transaction(TxId tx_id, ConnectionId owner, Backend& backend)
        : id(tx_id), connection(owner), nodes(backend) {}
    TxId id;
    ConnectionId connection;
    WorkingSet nodes;
    std::vector<FiredChange> events; // fired at commit
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

// One operation: its connection and the nodes it works on (its transaction's, or its own).
struct Operation {
    Connection* connection = nullptr;
    Transaction* transaction = nullptr; // nullptr: own changes, applied when the operation finishes
    std::unique_ptr<WorkingSet> own_nodes;
    std::vector<FiredChange> own_events;

    WorkingSet& nodes() { return transaction ? transaction->nodes : *own_nodes; }
    std::vector<FiredChange>& events() { return transaction ? transaction->events : own_events; }
    bool privileged() const { return connection->privileged; }
};

struct Store::Impl {
    std::mutex mutex;
    std::unique_ptr<Backend> backend;
    Quotas quotas;
    uint64_t generation = 0; // the last one stamped
    ConnectionId next_connection = 1;
    TxId next_transaction = 1;
    std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections;
    std::unordered_map<TxId, std::unique_ptr<Transaction>> transactions;
    WatchRegistry watches;
    std::unordered_map<DomainId, int64_t> owned_nodes; // per owner domain
    int64_t node_count = 0;
    uint64_t commits = 0;
    uint64_t conflicts = 0;
    std::set<DomainId> introduced;

    // Runs `op(outbox)` under the mutex, then delivers the events it queued.
    template <typename Op> auto locked(Op&& op) {
        Outbox outbox;
        auto result = [&] {
            std::lock_guard lock(mutex);
            return op(outbox);
        }();
        outbox.deliver();
        return result;
    }

    // store.cpp
    Result<void> open();
    void disconnect(ConnectionId c);

    // store_access.cpp
    Connection* find_connection(ConnectionId c);
    StoreResult<Operation> begin(ConnectionId c, TxId tx);
    StoreStatus finish(Operation& op, Outbox& outbox);
    StoreStatus apply(WorkingSet& nodes);
    bool may(const Connection& c, const Permissions& perms, Access wanted) const;
    StoreResult<const Node*> nearest_existing_above(WorkingSet& nodes, const std::string& path);
    StoreResult<const Node*> readable(Operation& op, const std::string& path);
    StoreResult<const Node*> writable_or_absent(Operation& op, const std::string& path);
    StoreStatus create_with_parents(Operation& op, const std::string& path, std::string_view value);

    // store_ops.cpp
    StoreResult<std::string> read(ConnectionId c, TxId tx, std::string_view path);
    StoreStatus write(ConnectionId c, TxId tx, std::string_view path, std::string_view value, Outbox& outbox);
    StoreStatus mkdir(ConnectionId c, TxId tx, std::string_view path, Outbox& outbox);
    StoreStatus rm(ConnectionId c, TxId tx, std::string_view path, Outbox& outbox);
    StoreResult<std::vector<std::string>> directory(ConnectionId c, TxId tx, std::string_view path);
    StoreResult<Permissions> get_perms(ConnectionId c, TxId tx, std::string_view path);
    StoreStatus set_perms(ConnectionId c, TxId tx, std::string_view path, const Permissions& perms,
                          Outbox& outbox);

    // store_transactions.cpp
    StoreResult<TxId> transaction_start(ConnectionId c);
    StoreStatus transaction_end(ConnectionId c, TxId tx, bool commit, Outbox& outbox);
    StoreStatus commit(const Connection& connection, Transaction& transaction, Outbox& outbox);
    void abort_all(Connection& connection);

    // store_watches.cpp
    StoreStatus watch(ConnectionId c, std::string_view path, std::string_view token, Outbox& outbox);
    StoreStatus unwatch(ConnectionId c, std::string_view path, std::string_view token);
    StoreStatus reset_watches(ConnectionId c);
    void remove_all_watches(Connection& connection);
    StoreStatus introduce_domain(ConnectionId c, DomainId domid, Outbox& outbox);
    StoreStatus release_domain(ConnectionId c, DomainId domid, Outbox& outbox);
    StoreResult<bool> is_domain_introduced(ConnectionId c, DomainId domid);
    void fire(const FiredChange& change, Outbox& outbox) const;
    void fire_special(std::string_view special, Outbox& outbox) const;
};

} // namespace sf::store
