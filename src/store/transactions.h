// superfluid store: Transactions, the open optimistic transactions of every
// connection, and their commits.
//
// A transaction is a WorkingSet of its own: it remembers the generation of
// every node it read or wrote and keeps its changes to itself. Commit checks
// that none of those nodes moved (else Again, nothing applied), applies all
// changes to the NodeTree as one ChangeSet, then fires, through Watches, the
// events its operations queued meanwhile.
//
// Threading: none; Store::Impl's mutex guards it (and the NodeTree and
// Watches it uses).
#pragma once

#include "store/connections.h"
#include "store/node_tree.h"
#include "store/watches.h"
#include "store/working_set.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace sf::store {

struct Transaction {
    Transaction(TxId tx_id, ConnectionId owner, Backend& backend)
        : id(tx_id), connection(owner), nodes(backend) {}
    TxId id;
    ConnectionId connection;
    WorkingSet nodes;
    std::vector<FiredChange> events; // fired at commit
};

class Transactions {
  public:
    // `tree` and `watches` outlive this.
    Transactions(NodeTree& tree, const Watches& watches, size_t per_connection)
        : tree_(&tree), watches_(&watches), per_connection_(per_connection) {}

    StoreResult<TxId> start(Connection& connection);
    // The transaction `tx` when it is open on connection `c`; nullptr otherwise.
    Transaction* find(ConnectionId c, TxId tx);
    // Ends `tx` (NotFound when it is not open on the connection), committing it when asked.
    StoreStatus end(Connection& connection, TxId tx, bool commit, Outbox& outbox);
    void abort_all(Connection& connection);

    size_t size() const { return open_.size(); }
    uint64_t commits() const { return commits_; }
    uint64_t conflicts() const { return conflicts_; }

  private:
    StoreStatus commit(const Connection& connection, Transaction& transaction, Outbox& outbox);

    NodeTree* tree_;
    const Watches* watches_;
    size_t per_connection_; // unprivileged connections' quota
    TxId next_ = 1;
    std::unordered_map<TxId, std::unique_ptr<Transaction>> open_;
    uint64_t commits_ = 0;
    uint64_t conflicts_ = 0;
};

} // namespace sf::store
