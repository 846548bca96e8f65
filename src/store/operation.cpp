// superfluid store: Operation, one request's context and its permission checks.
#include "store/operation.h"

#include "store/path.h"

namespace sf::store {
namespace {

// The nearest existing node strictly above `path` (nullptr only when even "/" is absent).
StoreResult<const Node*> nearest_existing_above(WorkingSet& nodes, const std::string& path) {
    std::string at = path;
    while (at != "/") {
        at = std::string(parent_of(at));
        SF_STORE_ASSIGN(const Node* node, nodes.get(at));
        if (node) return node;
    }
    return static_cast<const Node*>(nullptr);
}

} // namespace

bool Operation::may(const Permissions& perms, Access wanted) const {
    if (connection->privileged) return true;
    Access granted = perms.access_of(connection->domid);
    return wanted == Access::Read ? can_read(granted) : can_write(granted);
}

// An absent node is NotFound when the caller may read its nearest existing
// ancestor, else Access (so that a domain does not learn what exists where
// it may not look).
StoreResult<const Node*> Operation::readable(const std::string& path) {
    SF_STORE_ASSIGN(const Node* node, nodes().get(path));
    if (node) {
        if (!may(node->perms, Access::Read)) return StoreError::Access;
        return node;
    }
    SF_STORE_ASSIGN(const Node* ancestor, nearest_existing_above(nodes(), path));
    if (ancestor && !may(ancestor->perms, Access::Read)) return StoreError::Access;
    return StoreError::NotFound;
}

// Creating needs write access on the nearest existing ancestor. Access otherwise.
StoreResult<const Node*> Operation::writable_or_absent(const std::string& path) {
    SF_STORE_ASSIGN(const Node* node, nodes().get(path));
    if (node) {
        if (!may(node->perms, Access::Write)) return StoreError::Access;
        return node;
    }
    SF_STORE_ASSIGN(const Node* ancestor, nearest_existing_above(nodes(), path));
    if (!ancestor) return StoreError::NotFound;
    if (!may(ancestor->perms, Access::Write)) return StoreError::Access;
    return static_cast<const Node*>(nullptr);
}

} // namespace sf::store
