// superfluid store: the node operations (read, write, mkdir, rm, directory,
// get and set permissions), in or out of a transaction.
#include "store/store_impl.h"

#include "store/path.h"

namespace sf::store {
namespace {

// Erases `path` and everything below it, deepest first, remembering each removed node's permissions.
StoreStatus erase_subtree(WorkingSet& nodes, const std::string& path,
                          std::unordered_map<std::string, Permissions>& removed) {
    SF_STORE_ASSIGN(auto names, nodes.children(path));
    for (const std::string& name : names)
        SF_STORE_TRY(erase_subtree(nodes, child_path(path, name), removed));
    SF_STORE_ASSIGN(const Node* node, nodes.get(path));
    if (!node) return Done{};
    removed.emplace(path, node->perms);
    return nodes.erase(path);
}

} // namespace

StoreResult<std::string> Store::Impl::read(ConnectionId c, TxId tx, std::string_view path) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* node, readable(op, canonical));
    return node->value;
}

StoreStatus Store::Impl::write(ConnectionId c, TxId tx, std::string_view path, std::string_view value,
                               Outbox& outbox) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (!op.privileged() && value.size() > quotas.value_bytes) return StoreError::TooBig;
    SF_STORE_ASSIGN(const Node* existing, writable_or_absent(op, canonical));
    if (existing) {
        Node node{std::string(value), existing->perms, existing->generation};
        SF_STORE_TRY(op.nodes().put(canonical, std::move(node)));
    } else {
        SF_STORE_TRY(create_with_parents(op, canonical, value));
    }
    SF_STORE_ASSIGN(const Node* written, op.nodes().get(canonical));
    op.events().push_back(FiredChange{canonical, {written->perms}, false, {}});
    return finish(op, outbox);
}

// An existing node is left as it is (no error, no event), as in C xenstored.
StoreStatus Store::Impl::mkdir(ConnectionId c, TxId tx, std::string_view path, Outbox& outbox) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* existing, writable_or_absent(op, canonical));
    if (existing) return Done{};
    SF_STORE_TRY(create_with_parents(op, canonical, ""));
    SF_STORE_ASSIGN(const Node* created, op.nodes().get(canonical));
    op.events().push_back(FiredChange{canonical, {created->perms}, false, {}});
    return finish(op, outbox);
}

// As C xenstored 4.17's do_rm: "/" cannot be removed (Invalid); removing an
// absent node succeeds when its parent exists and is NotFound otherwise.
StoreStatus Store::Impl::rm(ConnectionId c, TxId tx, std::string_view path, Outbox& outbox) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (canonical == "/") return StoreError::Invalid;
    SF_STORE_ASSIGN(const Node* existing, writable_or_absent(op, canonical));
    if (!existing) {
        SF_STORE_ASSIGN(const Node* parent, op.nodes().get(std::string(parent_of(canonical))));
        if (!parent) return StoreError::NotFound;
        return Done{};
    }
    FiredChange fired{canonical, {existing->perms}, true, {}};
    SF_STORE_TRY(erase_subtree(op.nodes(), canonical, fired.removed_perms));
    op.events().push_back(std::move(fired));
    return finish(op, outbox);
}

StoreResult<std::vector<std::string>> Store::Impl::directory(ConnectionId c, TxId tx, std::string_view path) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_TRY(readable(op, canonical));
    return op.nodes().children(canonical);
}

StoreResult<Permissions> Store::Impl::get_perms(ConnectionId c, TxId tx, std::string_view path) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* node, readable(op, canonical));
    return node->perms;
}

// Only the owner (or a privileged caller) may change permissions, and only a
// privileged caller may give a node to another owner (Perm), as in C xenstored.
StoreStatus Store::Impl::set_perms(ConnectionId c, TxId tx, std::string_view path, const Permissions& perms,
                                   Outbox& outbox) {
    SF_STORE_ASSIGN(Operation op, begin(c, tx));
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (perms.entries.empty()) return StoreError::Invalid;
    for (const Permission& entry : perms.entries) {
        if (entry.domid > kMaxDomainId) return StoreError::Invalid;
    }
    SF_STORE_ASSIGN(const Node* node, writable_or_absent(op, canonical));
    if (!node) return StoreError::NotFound;
    const Connection& caller = *op.connection;
    if (!caller.privileged) {
        if (node->perms.owner() != caller.domid) return StoreError::Access;
        if (perms.owner() != caller.domid) return StoreError::Perm;
    }
    FiredChange fired{canonical, {node->perms, perms}, false, {}};
    SF_STORE_TRY(op.nodes().put(canonical, Node{node->value, perms, node->generation}));
    op.events().push_back(std::move(fired));
    return finish(op, outbox);
}

} // namespace sf::store
