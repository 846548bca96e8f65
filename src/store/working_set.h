// superfluid store: WorkingSet, the nodes one operation or one transaction
// has seen and changed, over a Backend.
//
// The first get() of a path reads it from the back-end and remembers it and
// its generation (0: absent); later gets see the remembered node, or what
// this set changed it to, so a transaction sees its own changes and nothing
// committed by others after it read a node. put() and erase() change only
// the set; a parent whose set of children changes is marked changed too (so
// its generation moves at commit and directory reads conflict).
//
// changes() turns the set into one ChangeSet (erases deepest first, then
// puts parents first), stamping every Put with a new generation;
// unchanged_in() tells whether the back-end still holds every node this set
// read at the generation it read. owner_delta() counts nodes gained or lost
// per owner domain, for quotas.
//
// Threading: none; the Store's mutex covers it.
#pragma once

#include "store/backend.h"
#include "store/errors.h"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sf::store {

class WorkingSet {
  public:
    explicit WorkingSet(Backend& backend) : backend_(&backend) {}

    // The node at `path` as this set sees it (nullptr when absent); Io when the back-end fails.
    StoreResult<const Node*> get(const std::string& path);
    // The names of the children of `path`, sorted, as this set sees them.
    StoreResult<std::vector<std::string>> children(const std::string& path);
    // Creates or replaces a node. Its parent has been got and exists in this set.
    StoreStatus put(const std::string& path, Node node);
    // Removes one node (its children were erased before). It has been got and exists.
    StoreStatus erase(const std::string& path);

    bool has_changes() const { return changed_count_ > 0; }
    // Net nodes gained (+) or lost (-) per owner domain by this set's changes.
    int64_t owner_delta(DomainId domid) const;
    const std::unordered_map<DomainId, int64_t>& owner_deltas() const { return owner_delta_; }

    // Whether the back-end still holds every node read here at the generation read.
    StoreResult<bool> unchanged_in(Backend& backend) const;
    // The ChangeSet of this set's changes; each Put gets ++generation.
    ChangeSet changes(uint64_t& generation) const;

  private:
    struct Entry {
        std::optional<Node> now;      // as this set sees it
        bool existed = false;         // in the back-end when first read
        uint64_t base_generation = 0; // then (0: absent)
        bool changed = false;
    };

    StoreResult<Entry*> load(const std::string& path);
    void mark_changed(Entry& entry);
    StoreStatus mark_parent_changed(const std::string& path);
    void count_owner(const std::optional<Node>& node, int64_t sign);

    Backend* backend_;
    std::map<std::string, Entry> entries_; // ordered: parents before children
    std::unordered_map<std::string, std::vector<std::string>> base_children_;
    std::unordered_map<DomainId, int64_t> owner_delta_;
    size_t changed_count_ = 0;
};

} // namespace sf::store
