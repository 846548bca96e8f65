// superfluid store: what every operation shares: its context (connection,
// transaction or own working set), permission checks, node creation with
// inherited permissions and quotas, and applying changes to the back-end.
#include "store/store_impl.h"

#include "store/path.h"

namespace sf::store {

Connection* Store::Impl::find_connection(ConnectionId c) {
    auto found = connections.find(c);
    return found == connections.end() ? nullptr : found->second.get();
}

// An unknown connection is Invalid; a transaction id that is not open on this connection is NotFound.
StoreResult<Operation> Store::Impl::begin(ConnectionId c, TxId tx) {
    Operation op;
    op.connection = find_connection(c);
    if (!op.connection) return StoreError::Invalid;
    if (tx == 0) {
        op.own_nodes = std::make_unique<WorkingSet>(*backend);
        return op;
    }
    auto found = transactions.find(tx);
    if (found == transactions.end() || found->second->connection != c) return StoreError::NotFound;
    op.transaction = found->second.get();
    return op;
}

// Outside a transaction: applies the operation's changes and queues its events.
StoreStatus Store::Impl::finish(Operation& op, Outbox& outbox) {
    if (op.transaction) return Done{};
    SF_STORE_TRY(apply(*op.own_nodes));
    for (const FiredChange& change : op.own_events)
        fire(change, outbox);
    return Done{};
}

// Applies a working set's changes at once; counters move only once the back-end accepted them.
StoreStatus Store::Impl::apply(WorkingSet& nodes) {
    if (!nodes.has_changes()) return Done{};
    ChangeSet changes = nodes.changes(generation);
    if (changes.changes.empty()) return Done{};
    if (!backend->apply(changes)) return StoreError::Io;
    for (const auto& [domid, delta] : nodes.owner_deltas()) {
        owned_nodes[domid] += delta;
        node_count += delta;
    }
    return Done{};
}

bool Store::Impl::may(const Connection& c, const Permissions& perms, Access wanted) const {
    if (c.privileged) return true;
    Access granted = perms.access_of(c.domid);
    return wanted == Access::Read ? can_read(granted) : can_write(granted);
}

// The nearest existing node strictly above `path` (nullptr only when even "/" is absent).
StoreResult<const Node*> Store::Impl::nearest_existing_above(WorkingSet& nodes, const std::string& path) {
    std::string at = path;
    while (at != "/") {
        at = std::string(parent_of(at));
        SF_STORE_ASSIGN(const Node* node, nodes.get(at));
        if (node) return node;
    }
    return static_cast<const Node*>(nullptr);
}

// The node if the caller may read it. An absent node is NotFound when the
// caller may read its nearest existing ancestor, else Access (so that a
// domain does not learn what exists where it may not look).
StoreResult<const Node*> Store::Impl::readable(Operation& op, const std::string& path) {
    SF_STORE_ASSIGN(const Node* node, op.nodes().get(path));
    if (node) {
        if (!may(*op.connection, node->perms, Access::Read)) return StoreError::Access;
        return node;
    }
    SF_STORE_ASSIGN(const Node* ancestor, nearest_existing_above(op.nodes(), path));
    if (ancestor && !may(*op.connection, ancestor->perms, Access::Read)) return StoreError::Access;
    return StoreError::NotFound;
}

// The node (nullptr when absent) if the caller may write it or, when absent,
// create it: write access on the nearest existing ancestor. Access otherwise.
StoreResult<const Node*> Store::Impl::writable_or_absent(Operation& op, const std::string& path) {
    SF_STORE_ASSIGN(const Node* node, op.nodes().get(path));
    if (node) {
        if (!may(*op.connection, node->perms, Access::Write)) return StoreError::Access;
        return node;
    }
    SF_STORE_ASSIGN(const Node* ancestor, nearest_existing_above(op.nodes(), path));
    if (!ancestor) return StoreError::NotFound;
    if (!may(*op.connection, ancestor->perms, Access::Write)) return StoreError::Access;
    return static_cast<const Node*>(nullptr);
}

// Creates `path` (absent, its nearest ancestor writable by the caller) and its
// missing parents, as C xenstored's construct_node does: each new node copies
// its parent's permissions, and for an unprivileged caller its owner becomes
// the caller's domain. Parents get "" as value. Quota when an unprivileged
// domain would own more nodes than allowed.
StoreStatus Store::Impl::create_with_parents(Operation& op, const std::string& path, std::string_view value) {
    WorkingSet& nodes = op.nodes();
    std::vector<std::string> missing{path}; // deepest first
    while (missing.back() != "/") {
        std::string parent(parent_of(missing.back()));
        SF_STORE_ASSIGN(const Node* existing, nodes.get(parent));
        if (existing) break;
        missing.push_back(std::move(parent));
    }
    const Connection& c = *op.connection;
    if (!c.privileged) {
        auto owned = owned_nodes.find(c.domid);
        int64_t now = (owned == owned_nodes.end() ? 0 : owned->second) + nodes.owner_delta(c.domid);
        if (now + static_cast<int64_t>(missing.size()) > static_cast<int64_t>(quotas.nodes_per_domain)) {
            return StoreError::Quota;
        }
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        SF_STORE_ASSIGN(const Node* parent, nodes.get(std::string(parent_of(*it))));
        if (!parent || *it == "/") return StoreError::NotFound; // "/" is created by open() only
        Node node{*it == path ? std::string(value) : std::string(), parent->perms, 0};
        if (node.perms.entries.empty()) node.perms = Permissions::owned_by(kDom0);
        if (!c.privileged) node.perms.entries[0].domid = c.domid;
        SF_STORE_TRY(nodes.put(*it, std::move(node)));
    }
    return Done{};
}

} // namespace sf::store
