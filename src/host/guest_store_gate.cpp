// superfluid toolstack: the guests' store requests and watch events.
#include "host/guest_store_gate.h"

#include "store/dispatch.h"
#include "store/wire.h"

namespace sf::host {

class GuestStoreGate::Sink final : public store::WatchSink {
  public:
    explicit Sink(WorkerLink link) : link_(std::move(link)) {}
    void deliver(store::ConnectionId, const store::WatchEvent& event) override {
        std::string message;
        if (store::wire::append_watch_event(message, event.path, event.token)) link_(0, message);
    }

  private:
    const WorkerLink link_;
};

GuestStoreGate::GuestStoreGate(store::Store& s) : store_(s) {}

GuestStoreGate::~GuestStoreGate() {
    std::lock_guard lock(mutex_);
    for (auto& [id, entry] : guests_)
        store_.disconnect(entry.connection);
}

void GuestStoreGate::open(uint64_t id, WorkerLink link) {
    close(id);
    auto sink = std::make_shared<Sink>(std::move(link));
    const store::ConnectionId connection = store_.connect(static_cast<store::DomainId>(id), false, sink);
    std::lock_guard lock(mutex_);
    guests_[id] = Entry{connection, std::move(sink)};
}

void GuestStoreGate::close(uint64_t id) {
    std::optional<store::ConnectionId> connection;
    {
        std::lock_guard lock(mutex_);
        auto it = guests_.find(id);
        if (it == guests_.end()) return;
        connection = it->second.connection;
        guests_.erase(it);
    }
    store_.disconnect(*connection);
}

std::string GuestStoreGate::handle(uint64_t id, std::string_view message) {
    std::string reply;
    store::wire::Header header{};
    if (message.size() >= store::wire::kHeaderSize) header = store::wire::read_header(message.data());
    const size_t payload =
        message.size() < store::wire::kHeaderSize ? 0 : message.size() - store::wire::kHeaderSize;
    if (message.size() < store::wire::kHeaderSize || header.len != payload ||
        payload > store::wire::kPayloadMax) {
        store::wire::append_error(reply, header, store::StoreError::Invalid);
        return reply;
    }
    std::optional<store::ConnectionId> connection;
    {
        std::lock_guard lock(mutex_);
        if (auto it = guests_.find(id); it != guests_.end()) connection = it->second.connection;
    }
    if (!connection) {
        store::wire::append_error(reply, header, store::StoreError::Invalid);
        return reply;
    }
    return store::dispatch(store_, *connection, header, message.substr(store::wire::kHeaderSize));
}

} // namespace sf::host
