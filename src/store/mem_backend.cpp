// superfluid store: MemBackend.
#include "store/mem_backend.h"

#include "store/path.h"

namespace sf::store {

std::unique_ptr<MemBackend> MemBackend::create() {
    return std::make_unique<MemBackend>();
}

MemBackend::Entry* MemBackend::find(std::string_view path) {
    auto it = entries_.find(path);
    return it == entries_.end() ? nullptr : &it->second;
}

Result<std::optional<Node>> MemBackend::read(std::string_view path) {
    Entry* entry = find(path);
    if (!entry) return std::optional<Node>();
    return std::optional<Node>(entry->node);
}

Result<std::vector<std::string>> MemBackend::children(std::string_view path) {
    Entry* entry = find(path);
    if (!entry) return std::vector<std::string>();
    return std::vector<std::string>(entry->children.begin(), entry->children.end());
}

Result<void> MemBackend::put(const std::string& path, const Node& node, std::vector<Undo>& undo) {
    auto existing = entries_.find(path);
    if (existing != entries_.end()) {
        undo.push_back({path, existing->second.node});
        existing->second.node = node;
        return ok();
    }
    if (path != "/") {
        Entry* parent = find(parent_of(path));
        if (!parent) return error(ErrorKind::InvalidArgument, "mem backend: put {}: parent absent", path);
        parent->children.emplace(basename_of(path));
    }
    undo.push_back({path, std::nullopt});
    entries_.emplace(path, Entry{node, {}});
    return ok();
}

Result<void> MemBackend::erase(const std::string& path, std::vector<Undo>& undo) {
    auto existing = entries_.find(path);
    if (existing == entries_.end()) return error(ErrorKind::NotFound, "mem backend: erase {}: absent", path);
    if (!existing->second.children.empty()) {
        return error(ErrorKind::Conflict, "mem backend: erase {}: has children", path);
    }
    undo.push_back({path, std::move(existing->second.node)});
    entries_.erase(existing);
    if (path != "/") {
        Entry* parent = find(parent_of(path));
        if (parent) parent->children.erase(std::string(basename_of(path)));
    }
    return ok();
}

Result<void> MemBackend::apply_one(const Change& change, std::vector<Undo>& undo) {
    if (change.kind == Change::Kind::Put) return put(change.path, change.node, undo);
    return erase(change.path, undo);
}

// Undoes one change: brings back the node it replaced or erased, or erases the one it created.
void MemBackend::restore(const Undo& undo) {
    auto existing = entries_.find(undo.path);
    if (undo.previous) {
        if (existing != entries_.end()) {
            existing->second.node = *undo.previous;
            return;
        }
        entries_.emplace(undo.path, Entry{*undo.previous, {}});
        if (undo.path != "/") {
            if (Entry* parent = find(parent_of(undo.path))) parent->children.emplace(basename_of(undo.path));
        }
        return;
    }
    if (existing != entries_.end()) entries_.erase(existing);
    if (undo.path != "/") {
        if (Entry* parent = find(parent_of(undo.path)))
            parent->children.erase(std::string(basename_of(undo.path)));
    }
}

Result<void> MemBackend::apply(const ChangeSet& changes) {
    std::vector<Undo> undo;
    undo.reserve(changes.changes.size());
    for (const Change& change : changes.changes) {
        auto applied = apply_one(change, undo);
        if (!applied) {
            for (auto it = undo.rbegin(); it != undo.rend(); ++it)
                restore(*it);
            return applied;
        }
    }
    return ok();
}

Result<void> MemBackend::for_each(const std::function<void(std::string_view path, const Node& node)>& visit) {
    std::vector<std::string> pending;
    if (entries_.count("/")) pending.push_back("/");
    while (!pending.empty()) {
        std::string path = std::move(pending.back());
        pending.pop_back();
        const Entry& entry = entries_.at(path);
        visit(path, entry.node);
        for (auto it = entry.children.rbegin(); it != entry.children.rend(); ++it) {
            pending.push_back(child_path(path, *it));
        }
    }
    return ok();
}

} // namespace sf::store
