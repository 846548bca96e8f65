// superfluid store: Node, what a back-end keeps for each path.
#pragma once

#include "store/permissions.h"

#include <cstdint>
#include <string>

namespace sf::store {

struct Node {
    std::string value;
    Permissions perms;
    // Stamped by the Store on every change of this node, of its permissions,
    // and of its set of children: a transaction that read or wrote the node
    // conflicts if this moved before it commits.
    uint64_t generation = 0;
    bool operator==(const Node&) const = default;
};

} // namespace sf::store
