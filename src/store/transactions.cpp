// superfluid store: Transactions, optimistic transactions and their commits.
#include "store/transactions.h"

namespace sf::store {

StoreResult<TxId> Transactions::start(Connection& connection) {
    if (!connection.privileged && connection.transactions.size() >= per_connection_) return StoreError::Quota;
    // Ids are unique among open transactions and never 0.
    TxId id = next_;
    while (id == 0 || open_.count(id))
        ++id;
    next_ = id + 1;
    open_.emplace(id, std::make_unique<Transaction>(id, connection.id, tree_->backend()));
    connection.transactions.insert(id);
    return id;
}

Transaction* Transactions::find(ConnectionId c, TxId tx) {
    auto found = open_.find(tx);
    if (found == open_.end() || found->second->connection != c) return nullptr;
    return found->second.get();
}

// Ends the transaction whatever the outcome (as C xenstored: after Again the client starts anew).
StoreStatus Transactions::end(Connection& connection, TxId tx, bool commit_it, Outbox& outbox) {
    auto found = open_.find(tx);
    if (found == open_.end() || found->second->connection != connection.id) return StoreError::NotFound;
    std::unique_ptr<Transaction> transaction = std::move(found->second);
    open_.erase(found);
    connection.transactions.erase(tx);
    if (!commit_it) return Done{};
    return commit(connection, *transaction, outbox);
}

// Quota is checked again at commit: other commits may have used the domain's
// nodes since the transaction's own writes were checked.
StoreStatus Transactions::commit(const Connection& connection, Transaction& transaction, Outbox& outbox) {
    SF_STORE_ASSIGN(bool unchanged, transaction.nodes.unchanged_in(tree_->backend()));
    if (!unchanged) {
        ++conflicts_;
        return StoreError::Again;
    }
    int64_t gained = transaction.nodes.owner_delta(connection.domid);
    if (!connection.privileged && gained > 0 && !tree_->may_own(connection.domid, gained)) {
        return StoreError::Quota;
    }
    SF_STORE_TRY(tree_->apply(transaction.nodes));
    ++commits_;
    for (const FiredChange& change : transaction.events)
        watches_->fire(change, outbox);
    return Done{};
}

void Transactions::abort_all(Connection& connection) {
    for (TxId tx : connection.transactions)
        open_.erase(tx);
    connection.transactions.clear();
}

} // namespace sf::store
