// superfluid store: MemBackend, the in-memory Backend (the default).
//
// A hash map from path to the node and the sorted set of its children's
// names: read and apply cost O(path length + log children), children() is
// O(children). apply() is all-or-nothing: it checks each change as it goes
// (a Put's parent exists, an Erased node exists and has no children) and
// undoes what it already did when one is refused. Not durable.
//
// Threading: none of its own; the Store serialises calls (backend.h).
#pragma once

#include "store/backend.h"

#include <set>
#include <string>
#include <unordered_map>

namespace sf::store {

class MemBackend final : public Backend {
  public:
    static std::unique_ptr<MemBackend> create();

    const char* name() const override { return "mem"; }
    Result<std::optional<Node>> read(std::string_view path) override;
    Result<std::vector<std::string>> children(std::string_view path) override;
    Result<void> apply(const ChangeSet& changes) override;
    Result<void> for_each(const std::function<void(std::string_view path, const Node& node)>& visit) override;

    size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        Node node;
        std::set<std::string, std::less<>> children; // names
    };
    // What undoes one applied change: the node as it was (nullopt: it was absent).
    struct Undo {
        std::string path;
        std::optional<Node> previous;
    };

    Result<void> apply_one(const Change& change, std::vector<Undo>& undo);
    Result<void> put(const std::string& path, const Node& node, std::vector<Undo>& undo);
    Result<void> erase(const std::string& path, std::vector<Undo>& undo);
    void restore(const Undo& undo);
    Entry* find(std::string_view path);

    // Looked up by string_view without building a string.
    struct PathHash {
        using is_transparent = void;
        size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
    };
    std::unordered_map<std::string, Entry, PathHash, std::equal_to<>> entries_;
};

} // namespace sf::store
