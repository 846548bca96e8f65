// superfluid store: Store::Impl, the state behind Store: the parts it is
// made of and the mutex that guards them all.
//
//   NodeTree      the committed tree: back-end, generations, nodes per owner (node_tree.h)
//   Connections   the callers (connections.h)
//   Watches       watches, domain introduction, the Outbox of events (watches.h)
//   Transactions  open transactions and their commits (transactions.h)
//   NodeOps       read, write, mkdir, rm, directory, permissions (node_ops.h)
//   Operation     one request's context and its permission checks (operation.h)
//
// Threading: every part runs with `mutex` held; watch events are collected
// into an Outbox and delivered by the public method after unlocking.
#pragma once

#include "store/connections.h"
#include "store/node_ops.h"
#include "store/node_tree.h"
#include "store/operation.h"
#include "store/store.h"
#include "store/transactions.h"
#include "store/watches.h"

#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

namespace sf::store {

struct Store::Impl {
    Impl(std::unique_ptr<Backend> backend, const Quotas& quotas)
        : tree(std::move(backend), quotas.nodes_per_domain), watches(quotas.watches_per_connection),
          transactions(tree, watches, quotas.transactions_per_connection), ops(tree, quotas.value_bytes) {}

    std::mutex mutex;
    // In this order: Transactions and NodeOps keep pointers to the parts above them.
    NodeTree tree;
    Connections connections;
    Watches watches;
    Transactions transactions;
    NodeOps ops;

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

    // Under the mutex: `op(connection)` on connection `c` (Invalid when it is unknown).
    template <typename Op>
    auto on_connection(ConnectionId c, Op&& op) -> std::invoke_result_t<Op, Connection&> {
        std::lock_guard lock(mutex);
        Connection* connection = connections.find(c);
        if (!connection) return StoreError::Invalid;
        return op(*connection);
    }

    // As on_connection(), for `op(connection, outbox)`; then delivers the events it queued.
    template <typename Op> auto on_connection_firing(ConnectionId c, Op&& op) {
        return locked([&](Outbox& outbox) -> std::invoke_result_t<Op, Connection&, Outbox&> {
            Connection* connection = connections.find(c);
            if (!connection) return StoreError::Invalid;
            return op(*connection, outbox);
        });
    }

    // Under the mutex: `read(operation)` on connection `c`'s nodes, in transaction `tx` or out of any.
    template <typename Read>
    auto reading(ConnectionId c, TxId tx, Read&& read) -> std::invoke_result_t<Read, Operation&> {
        std::lock_guard lock(mutex);
        SF_STORE_ASSIGN(Operation op, begin(c, tx));
        return read(op);
    }

    // As reading(), for `change(operation)`; then, when it succeeded outside
    // a transaction, applies its changes and delivers its events.
    template <typename Change> StoreStatus changing(ConnectionId c, TxId tx, Change&& change) {
        return locked([&](Outbox& outbox) -> StoreStatus {
            SF_STORE_ASSIGN(Operation op, begin(c, tx));
            SF_STORE_TRY(change(op));
            return finish(op, outbox);
        });
    }

    StoreResult<Operation> begin(ConnectionId c, TxId tx);
    StoreStatus finish(Operation& op, Outbox& outbox);
    void disconnect(ConnectionId c);
};

} // namespace sf::store
