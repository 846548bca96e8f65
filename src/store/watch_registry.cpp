// superfluid store: WatchRegistry.
#include "store/watch_registry.h"

namespace sf::store {

std::string Watch::event_path(std::string_view changed) const {
    if (relative_home.empty()) return std::string(changed);
    if (changed.size() > relative_home.size() + 1 && changed.starts_with(relative_home) &&
        changed[relative_home.size()] == '/') {
        return std::string(changed.substr(relative_home.size() + 1));
    }
    return std::string(changed);
}

StoreStatus WatchRegistry::add(Watch watch) {
    auto& watchers = by_path_[watch.path];
    Key key{watch.connection, watch.token};
    if (watchers.count(key)) return StoreError::Exists;
    if (watchers.empty()) paths_.insert(watch.path);
    watchers.emplace(std::move(key), std::move(watch));
    ++count_;
    return Done{};
}

StoreStatus WatchRegistry::remove(ConnectionId connection, const std::string& path,
                                  const std::string& token) {
    auto found = by_path_.find(path);
    if (found == by_path_.end()) return StoreError::NotFound;
    if (found->second.erase(Key{connection, token}) == 0) return StoreError::NotFound;
    --count_;
    if (found->second.empty()) {
        paths_.erase(path);
        by_path_.erase(found);
    }
    return Done{};
}

} // namespace sf::store
