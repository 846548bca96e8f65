// superfluid store: NodeOps, the node operations (read, write, mkdir, rm,
// directory, get and set permissions) of one Operation, in or out of a
// transaction, with XenStore's rules (store.h says which).
//
// Each works on the Operation's nodes only and queues the change watches
// fire for in the Operation's events; Store::Impl applies and fires them.
// A created node copies its parent's permissions; the quotas of unprivileged
// callers (value size, nodes per domain through the NodeTree) apply here.
//
// Threading: none; Store::Impl's mutex guards it and the NodeTree it reads.
#pragma once

#include "store/node_tree.h"
#include "store/operation.h"

#include <string>
#include <string_view>
#include <vector>

namespace sf::store {

class NodeOps {
  public:
    // `tree` outlives this.
    NodeOps(const NodeTree& tree, size_t value_bytes) : tree_(&tree), value_bytes_(value_bytes) {}

    StoreResult<std::string> read(Operation& op, std::string_view path);
    StoreStatus write(Operation& op, std::string_view path, std::string_view value);
    StoreStatus mkdir(Operation& op, std::string_view path);
    StoreStatus rm(Operation& op, std::string_view path);
    StoreResult<std::vector<std::string>> directory(Operation& op, std::string_view path);
    StoreResult<Permissions> get_perms(Operation& op, std::string_view path);
    StoreStatus set_perms(Operation& op, std::string_view path, const Permissions& perms);

  private:
    StoreStatus create_with_parents(Operation& op, const std::string& path, std::string_view value);

    const NodeTree* tree_;
    size_t value_bytes_; // unprivileged callers' largest value
};

} // namespace sf::store
