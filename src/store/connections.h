// superfluid store: Connections, the store's callers: each connection's
// domain, whether it is privileged, the sink of its watch events, and the
// watches and transactions it holds (their keys; Watches and Transactions
// keep the rest).
//
// Ids start at 1 and are never reused while the store lives.
//
// Threading: none; Store::Impl's mutex guards it.
#pragma once

#include "store/store.h"

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace sf::store {

struct Connection {
    ConnectionId id = 0;
    DomainId domid = 0;
    bool privileged = false;
    std::shared_ptr<WatchSink> sink;
    std::set<std::pair<std::string, std::string>> watches; // (canonical path, token)
    std::set<TxId> transactions;                           // open
};

class Connections {
  public:
    ConnectionId add(DomainId domid, bool privileged, std::shared_ptr<WatchSink> sink);
    // nullptr when `c` is unknown (never connected, or disconnected).
    Connection* find(ConnectionId c);
    void erase(ConnectionId c) { by_id_.erase(c); }
    size_t size() const { return by_id_.size(); }

  private:
    ConnectionId next_ = 1;
    std::unordered_map<ConnectionId, std::unique_ptr<Connection>> by_id_;
};

} // namespace sf::store
