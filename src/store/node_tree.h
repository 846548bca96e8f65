// superfluid store: NodeTree, the committed tree: the back-end, the last
// generation stamped, and how many nodes each domain owns (for the
// nodes-per-domain quota and the statistics).
//
// open() counts what the back-end holds and creates the nodes every store
// has; after that, every change reaches the back-end through apply(), one
// WorkingSet at a time, so the counts follow what the back-end accepted.
//
// Threading: none; Store::Impl's mutex guards it.
#pragma once

#include "common/result.h"
#include "store/backend.h"
#include "store/errors.h"
#include "store/working_set.h"

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace sf::store {

class NodeTree {
  public:
    NodeTree(std::unique_ptr<Backend> backend, size_t nodes_per_domain)
        : backend_(std::move(backend)), nodes_per_domain_(nodes_per_domain) {}

    // Counts every node per owner, finds the last generation stamped, then
    // creates "/", "/local", "/local/domain" and "/tool" when absent.
    Result<void> open();
    // Applies a working set's changes at once (Io when the back-end refuses them).
    StoreStatus apply(WorkingSet& nodes);
    // Whether `domid` may own `more` nodes beyond those it owns (the quota
    // of an unprivileged domain; `more` may count nodes not yet committed).
    bool may_own(DomainId domid, int64_t more) const;

    Backend& backend() { return *backend_; }
    uint64_t size() const { return static_cast<uint64_t>(node_count_); }

  private:
    std::unique_ptr<Backend> backend_;
    size_t nodes_per_domain_;
    uint64_t generation_ = 0;                           // the last one stamped
    std::unordered_map<DomainId, int64_t> owned_nodes_; // per owner domain
    int64_t node_count_ = 0;
};

} // namespace sf::store
