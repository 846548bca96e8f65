// superfluid store: Backend, where the Store keeps its nodes.
//
// A map from canonical path to Node plus each node's set of children. The
// Store owns the tree's rules (parents exist before children, permissions,
// generations); a back-end only keeps what it is given. Every change reaches
// it as one ChangeSet that it applies all-or-nothing: a plain write is a set
// of one or two changes, a committed transaction the set of all its changes.
// A durable back-end returns from apply() only once the changes are on disk,
// so an acknowledged write survives a crash at any moment.
//
// Implementations: MemBackend (the default, mem_backend.h), LmdbBackend
// (durable, lmdb_backend.h); an etcd back-end will hold multi-host state
// (apply = one etcd transaction).
//
// Threading: the Store serialises every call; back-ends need no locking.
#pragma once

#include "common/result.h"
#include "store/node.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::store {

struct Change {
    enum class Kind { Put, Erase } kind = Kind::Put;
    std::string path; // canonical
    Node node;        // Put: the node's new content (its children are the back-end's to keep)
};

struct ChangeSet {
    // Applied in order. Put creates or replaces a node (its parent exists,
    // or is Put earlier in the set); Erase removes one node that has no
    // children left (the Store erases descendants first, deepest first).
    std::vector<Change> changes;
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual const char* name() const = 0; // "mem", "lmdb"

    // Reads one node; nullopt when absent.
    virtual Result<std::optional<Node>> read(std::string_view path) = 0;
    // The names (not paths) of a node's children, sorted; empty when it has none or is absent.
    virtual Result<std::vector<std::string>> children(std::string_view path) = 0;
    // Applies every change or none (see ChangeSet).
    virtual Result<void> apply(const ChangeSet& changes) = 0;
    // Visits every node once, parents before children (recovery: quotas, generations).
    virtual Result<void>
    for_each(const std::function<void(std::string_view path, const Node& node)>& visit) = 0;
};

} // namespace sf::store
