// superfluid store: optimistic transactions.
//
// A transaction is a WorkingSet of its own: it remembers the generation of
// every node it read or wrote and keeps its changes to itself. Commit checks
// that none of those nodes moved (else Again, nothing applied), applies all
// changes as one ChangeSet, then fires the watch events queued meanwhile.
#include "store/store_impl.h"

namespace sf::store {

StoreResult<TxId> Store::Impl::transaction_start(ConnectionId c) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    if (!connection->privileged && connection->transactions.size() >= quotas.transactions_per_connection) {
        return StoreError::Quota;
    }
    // Ids are unique among open transactions and never 0.
    TxId id = next_transaction;
    while (id == 0 || transactions.count(id))
        ++id;
    next_transaction = id + 1;
    transactions.emplace(id, std::make_unique<Transaction>(id, c, *backend));
    connection->transactions.insert(id);
    return id;
}

// Ends the transaction whatever the outcome (as C xenstored: after Again the client starts anew).
StoreStatus Store::Impl::transaction_end(ConnectionId c, TxId tx, bool commit_it, Outbox& outbox) {
    Connection* connection = find_connection(c);
    if (!connection) return StoreError::Invalid;
    auto found = transactions.find(tx);
    if (found == transactions.end() || found->second->connection != c) return StoreError::NotFound;
    std::unique_ptr<Transaction> transaction = std::move(found->second);
    transactions.erase(found);
    connection->transactions.erase(tx);
    if (!commit_it) return Done{};
    return commit(*connection, *transaction, outbox);
}

// Quota is checked again at commit: other commits may have used the domain's
// nodes since the transaction's own writes were checked.
StoreStatus Store::Impl::commit(const Connection& connection, Transaction& transaction, Outbox& outbox) {
    SF_STORE_ASSIGN(bool unchanged, transaction.nodes.unchanged_in(*backend));
    if (!unchanged) {
        ++conflicts;
        return StoreError::Again;
    }
    int64_t gained = transaction.nodes.owner_delta(connection.domid);
    if (!connection.privileged && gained > 0) {
        auto owned = owned_nodes.find(connection.domid);
        int64_t before = owned == owned_nodes.end() ? 0 : owned->second;
        if (before + gained > static_cast<int64_t>(quotas.nodes_per_domain)) return StoreError::Quota;
    }
    SF_STORE_TRY(apply(transaction.nodes));
    ++commits;
    for (const FiredChange& change : transaction.events)
        fire(change, outbox);
    return Done{};
}

void Store::Impl::abort_all(Connection& connection) {
    for (TxId tx : connection.transactions)
        transactions.erase(tx);
    connection.transactions.clear();
}

} // namespace sf::store
