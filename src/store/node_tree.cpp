// superfluid store: NodeTree, the committed tree and its counts.
#include "store/node_tree.h"

namespace sf::store {

Result<void> NodeTree::open() {
    SF_TRY(backend_->for_each([this](std::string_view, const Node& node) {
        ++owned_nodes_[node.perms.owner()];
        ++node_count_;
        generation_ = std::max(generation_, node.generation);
    }));
    ChangeSet base;
    for (const char* path : {"/", "/local", "/local/domain", "/tool"}) {
        SF_TRY_ASSIGN(auto existing, backend_->read(path));
        if (existing) continue;
        base.changes.push_back(
            Change{Change::Kind::Put, path, Node{"", Permissions::owned_by(kDom0), ++generation_}});
    }
    if (base.changes.empty()) return ok();
    SF_TRY(backend_->apply(base));
    owned_nodes_[kDom0] += static_cast<int64_t>(base.changes.size());
    node_count_ += static_cast<int64_t>(base.changes.size());
    return ok();
}

// Counters move only once the back-end accepted the changes.
StoreStatus NodeTree::apply(WorkingSet& nodes) {
    if (!nodes.has_changes()) return Done{};
    ChangeSet changes = nodes.changes(generation_);
    if (changes.changes.empty()) return Done{};
    if (!backend_->apply(changes)) return StoreError::Io;
    for (const auto& [domid, delta] : nodes.owner_deltas()) {
        owned_nodes_[domid] += delta;
        node_count_ += delta;
    }
    return Done{};
}

bool NodeTree::may_own(DomainId domid, int64_t more) const {
    auto owned = owned_nodes_.find(domid);
    int64_t now = owned == owned_nodes_.end() ? 0 : owned->second;
    return now + more <= static_cast<int64_t>(nodes_per_domain_);
}

} // namespace sf::store
