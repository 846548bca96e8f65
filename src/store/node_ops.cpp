// superfluid store: NodeOps, the node operations (read, write, mkdir, rm,
// directory, get and set permissions), in or out of a transaction.
#include "store/node_ops.h"

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

StoreResult<std::string> NodeOps::read(Operation& op, std::string_view path) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* node, op.readable(canonical));
    return node->value;
}

StoreStatus NodeOps::write(Operation& op, std::string_view path, std::string_view value) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (!op.privileged() && value.size() > value_bytes_) return StoreError::TooBig;
    SF_STORE_ASSIGN(const Node* existing, op.writable_or_absent(canonical));
    if (existing) {
        Node node{std::string(value), existing->perms, existing->generation};
        SF_STORE_TRY(op.nodes().put(canonical, std::move(node)));
    } else {
        SF_STORE_TRY(create_with_parents(op, canonical, value));
    }
    SF_STORE_ASSIGN(const Node* written, op.nodes().get(canonical));
    op.events().push_back(FiredChange{canonical, {written->perms}, false, {}});
    return Done{};
}

// An existing node is left as it is (no error, no event), as in C xenstored.
StoreStatus NodeOps::mkdir(Operation& op, std::string_view path) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* existing, op.writable_or_absent(canonical));
    if (existing) return Done{};
    SF_STORE_TRY(create_with_parents(op, canonical, ""));
    SF_STORE_ASSIGN(const Node* created, op.nodes().get(canonical));
    op.events().push_back(FiredChange{canonical, {created->perms}, false, {}});
    return Done{};
}

// As C xenstored 4.17's do_rm: "/" cannot be removed (Invalid); removing an
// absent node succeeds when its parent exists and is NotFound otherwise.
StoreStatus NodeOps::rm(Operation& op, std::string_view path) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (canonical == "/") return StoreError::Invalid;
    SF_STORE_ASSIGN(const Node* existing, op.writable_or_absent(canonical));
    if (!existing) {
        SF_STORE_ASSIGN(const Node* parent, op.nodes().get(std::string(parent_of(canonical))));
        if (!parent) return StoreError::NotFound;
        return Done{};
    }
    FiredChange fired{canonical, {existing->perms}, true, {}};
    SF_STORE_TRY(erase_subtree(op.nodes(), canonical, fired.removed_perms));
    op.events().push_back(std::move(fired));
    return Done{};
}

StoreResult<std::vector<std::string>> NodeOps::directory(Operation& op, std::string_view path) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_TRY(op.readable(canonical));
    return op.nodes().children(canonical);
}

StoreResult<Permissions> NodeOps::get_perms(Operation& op, std::string_view path) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    SF_STORE_ASSIGN(const Node* node, op.readable(canonical));
    return node->perms;
}

// Only the owner (or a privileged caller) may change permissions, and only a
// privileged caller may give a node to another owner (Perm), as in C xenstored.
StoreStatus NodeOps::set_perms(Operation& op, std::string_view path, const Permissions& perms) {
    SF_STORE_ASSIGN(std::string canonical, resolve_path(path, op.connection->domid));
    if (perms.entries.empty()) return StoreError::Invalid;
    for (const Permission& entry : perms.entries) {
        if (entry.domid > kMaxDomainId) return StoreError::Invalid;
    }
    SF_STORE_ASSIGN(const Node* node, op.writable_or_absent(canonical));
    if (!node) return StoreError::NotFound;
    const Connection& caller = *op.connection;
    if (!caller.privileged) {
        if (node->perms.owner() != caller.domid) return StoreError::Access;
        if (perms.owner() != caller.domid) return StoreError::Perm;
    }
    FiredChange fired{canonical, {node->perms, perms}, false, {}};
    SF_STORE_TRY(op.nodes().put(canonical, Node{node->value, perms, node->generation}));
    op.events().push_back(std::move(fired));
    return Done{};
}

// Creates `path` (absent, its nearest ancestor writable by the caller) and its
// missing parents, as C xenstored's construct_node does: each new node copies
// its parent's permissions, and for an unprivileged caller its owner becomes
// the caller's domain. Parents get "" as value. Quota when an unprivileged
// domain would own more nodes than allowed.
StoreStatus NodeOps::create_with_parents(Operation& op, const std::string& path, std::string_view value) {
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
        int64_t more = nodes.owner_delta(c.domid) + static_cast<int64_t>(missing.size());
        if (!tree_->may_own(c.domid, more)) return StoreError::Quota;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        SF_STORE_ASSIGN(const Node* parent, nodes.get(std::string(parent_of(*it))));
        if (!parent || *it == "/") return StoreError::NotFound; // "/" is created by NodeTree::open() only
        Node node{*it == path ? std::string(value) : std::string(), parent->perms, 0};
        if (node.perms.entries.empty()) node.perms = Permissions::owned_by(kDom0);
        if (!c.privileged) node.perms.entries[0].domid = c.domid;
        SF_STORE_TRY(nodes.put(*it, std::move(node)));
    }
    return Done{};
}

} // namespace sf::store
