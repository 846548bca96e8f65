// superfluid store: WatchRegistry, every watch of every connection, indexed
// by watched path.
//
// A change at P is matched by probing P and each of its ancestors in a hash
// map: O(depth(P) + matches), whatever the number of watches. Watches below
// a removed subtree are found by a range scan of the ordered set of watched
// paths. A watch registered with a relative path reports event paths
// relative to the domain's home, as C xenstored does.
//
// Threading: none; the Store's mutex covers it.
#pragma once

#include "store/errors.h"
#include "store/path.h"
#include "store/store.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace sf::store {

struct Watch {
    ConnectionId connection = 0;
    DomainId domid = 0;
    bool privileged = false;
    std::shared_ptr<WatchSink> sink;
    std::string path; // canonical, or a special "@..." path
    std::string token;
    std::string relative_home; // non-empty when registered relative: events are relative to it

    // The path an event for a change at `changed` carries for this watch.
    std::string event_path(std::string_view changed) const;
};

class WatchRegistry {
  public:
    // Exists when the same connection already watches (path, token).
    StoreStatus add(Watch watch);
    // NotFound when the connection has no such watch.
    StoreStatus remove(ConnectionId connection, const std::string& path, const std::string& token);
    size_t size() const { return count_; }

    // Calls visit(watch) for each watch of `path` itself.
    template <typename Visit> void visit_exact(std::string_view path, Visit&& visit) const {
        auto found = by_path_.find(path);
        if (found == by_path_.end()) return;
        for (const auto& entry : found->second)
            visit(entry.second);
    }
    // Calls visit(watch) for each watch of `path` or of one of its ancestors.
    template <typename Visit> void visit_at_or_above(const std::string& path, Visit&& visit) const {
        if (by_path_.empty()) return;
        visit_exact(path, visit);
        std::string_view at = path;
        while (at != "/") {
            at = parent_of(at);
            visit_exact(at, visit);
        }
    }
    // Calls visit(watch) for each watch of a path strictly below `path`.
    template <typename Visit> void visit_below(const std::string& path, Visit&& visit) const {
        std::string prefix = path == "/" ? "/" : path + "/";
        for (auto it = paths_.lower_bound(prefix); it != paths_.end() && it->starts_with(prefix); ++it) {
            if (*it != path) visit_exact(*it, visit);
        }
    }

  private:
    using Key = std::pair<ConnectionId, std::string>; // connection, token
    struct PathHash {
        using is_transparent = void;
        size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
    };
    std::unordered_map<std::string, std::map<Key, Watch>, PathHash, std::equal_to<>> by_path_;
    std::set<std::string> paths_; // the keys of by_path_, ordered
    size_t count_ = 0;
};

} // namespace sf::store
