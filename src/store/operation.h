// superfluid store: Operation, one request on the tree: its caller's
// connection, the nodes it works on (its transaction's, or its own), the
// changes it queues for watches, and what its caller may read and write.
//
// Store::Impl begins one per request and, outside a transaction, applies its
// own nodes and fires its events when the request succeeded (inside one,
// both wait for the commit).
//
// Access, as C xenstored 4.17: a privileged caller may do anything; an
// absent node is NotFound when the caller may read (for reads) or write (for
// changes) its nearest existing ancestor, Access otherwise.
//
// Threading: none; it lives within one request, under Store::Impl's mutex.
#pragma once

#include "store/connections.h"
#include "store/transactions.h"
#include "store/watches.h"
#include "store/working_set.h"

#include <memory>
#include <string>
#include <vector>

namespace sf::store {

struct Operation {
    Connection* connection = nullptr;
    Transaction* transaction = nullptr; // nullptr: own changes, applied when the operation finishes
    std::unique_ptr<WorkingSet> own_nodes;
    std::vector<FiredChange> own_events;

    WorkingSet& nodes() { return transaction ? transaction->nodes : *own_nodes; }
    std::vector<FiredChange>& events() { return transaction ? transaction->events : own_events; }
    bool privileged() const { return connection->privileged; }

    // Whether the caller has `wanted` access to a node with `perms`.
    bool may(const Permissions& perms, Access wanted) const;
    // The node at `path` if the caller may read it.
    StoreResult<const Node*> readable(const std::string& path);
    // The node (nullptr when absent) if the caller may write it or, when absent, create it.
    StoreResult<const Node*> writable_or_absent(const std::string& path);
};

} // namespace sf::store
