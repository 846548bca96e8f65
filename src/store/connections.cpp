// superfluid store: Connections, the store's callers.
#include "store/connections.h"

namespace sf::store {

ConnectionId Connections::add(DomainId domid, bool privileged, std::shared_ptr<WatchSink> sink) {
    ConnectionId id = next_++;
    auto connection = std::make_unique<Connection>();
    connection->id = id;
    connection->domid = domid;
    connection->privileged = privileged;
    connection->sink = std::move(sink);
    by_id_.emplace(id, std::move(connection));
    return id;
}

Connection* Connections::find(ConnectionId c) {
    auto found = by_id_.find(c);
    return found == by_id_.end() ? nullptr : found->second.get();
}

} // namespace sf::store
