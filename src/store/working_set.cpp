// superfluid store: WorkingSet.
#include "store/working_set.h"

#include "store/path.h"

#include <algorithm>

namespace sf::store {

StoreResult<WorkingSet::Entry*> WorkingSet::load(const std::string& path) {
    auto it = entries_.find(path);
    if (it != entries_.end()) return &it->second;
    auto read = backend_->read(path);
    if (!read) return StoreError::Io;
    Entry entry;
    entry.existed = read->has_value();
    entry.base_generation = entry.existed ? (*read)->generation : 0;
    entry.now = std::move(*read);
    return &entries_.emplace(path, std::move(entry)).first->second;
}

StoreResult<const Node*> WorkingSet::get(const std::string& path) {
    auto entry = load(path);
    if (!entry) return entry.error();
    return (*entry)->now ? &*(*entry)->now : nullptr;
}

StoreResult<std::vector<std::string>> WorkingSet::children(const std::string& path) {
    auto parent = load(path);
    if (!parent) return parent.error();
    if (!(*parent)->now) return std::vector<std::string>();
    auto cached = base_children_.find(path);
    if (cached == base_children_.end()) {
        auto listed = backend_->children(path);
        if (!listed) return StoreError::Io;
        cached = base_children_.emplace(path, std::move(*listed)).first;
    }
    std::vector<std::string> names = cached->second;
    // Children this set created or erased: entries strictly below `path`, one component deeper.
    std::string prefix = path == "/" ? "/" : path + "/";
    for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix);
         ++it) {
        std::string_view rest = std::string_view(it->first).substr(prefix.size());
        if (rest.empty() || rest.find('/') != std::string_view::npos || !it->second.changed) continue;
        auto at = std::lower_bound(names.begin(), names.end(), rest);
        bool listed = at != names.end() && *at == rest;
        if (it->second.now && !listed) {
            names.insert(at, std::string(rest));
        } else if (!it->second.now && listed) {
            names.erase(at);
        }
    }
    return names;
}

void WorkingSet::mark_changed(Entry& entry) {
    if (!entry.changed) ++changed_count_;
    entry.changed = true;
}

StoreStatus WorkingSet::mark_parent_changed(const std::string& path) {
    if (path == "/") return Done{};
    auto parent = load(std::string(parent_of(path)));
    if (!parent) return parent.error();
    if ((*parent)->now) mark_changed(**parent);
    return Done{};
}

void WorkingSet::count_owner(const std::optional<Node>& node, int64_t sign) {
    if (node) owner_delta_[node->perms.owner()] += sign;
}

StoreStatus WorkingSet::put(const std::string& path, Node node) {
    auto entry = load(path);
    if (!entry) return entry.error();
    bool created = !(*entry)->now;
    count_owner((*entry)->now, -1);
    (*entry)->now = std::move(node);
    count_owner((*entry)->now, +1);
    mark_changed(**entry);
    if (created) return mark_parent_changed(path);
    return Done{};
}

StoreStatus WorkingSet::erase(const std::string& path) {
    auto entry = load(path);
    if (!entry) return entry.error();
    if (!(*entry)->now) return Done{};
    count_owner((*entry)->now, -1);
    (*entry)->now.reset();
    mark_changed(**entry);
    return mark_parent_changed(path);
}

int64_t WorkingSet::owner_delta(DomainId domid) const {
    auto it = owner_delta_.find(domid);
    return it == owner_delta_.end() ? 0 : it->second;
}

StoreResult<bool> WorkingSet::unchanged_in(Backend& backend) const {
    for (const auto& [path, entry] : entries_) {
        auto current = backend.read(path);
        if (!current) return StoreError::Io;
        if (current->has_value() != entry.existed) return false;
        if (entry.existed && (*current)->generation != entry.base_generation) return false;
    }
    return true;
}

ChangeSet WorkingSet::changes(uint64_t& generation) const {
    ChangeSet set;
    // Erases first, deepest first: reverse order puts every descendant before its ancestor.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        const Entry& entry = it->second;
        if (entry.changed && !entry.now && entry.existed) {
            set.changes.push_back(Change{Change::Kind::Erase, it->first, Node{}});
        }
    }
    // Then puts, parents first (a path sorts before every path below it).
    for (const auto& [path, entry] : entries_) {
        if (!entry.changed || !entry.now) continue;
        Node node = *entry.now;
        node.generation = ++generation;
        set.changes.push_back(Change{Change::Kind::Put, path, std::move(node)});
    }
    return set;
}

} // namespace sf::store
