// superfluid monitor: a guest's store access, monitor side (the event queue).
#include "vmm/devices/store_port.h"

namespace sf::vmm {

Result<StoreMessage> StorePort::request(uint32_t type, std::string_view payload) {
    Result<StoreMessage> reply = transport_->request(type, payload);
    std::lock_guard lock(mutex_);
    ++stats_.requests;
    if (!reply) ++stats_.failures;
    return reply;
}

void StorePort::push_event(std::string payload) {
    std::lock_guard lock(mutex_);
    if (events_.size() >= kQueueMax) {
        events_.pop_front();
        ++stats_.events_dropped;
    }
    events_.push_back(std::move(payload));
    ++stats_.events;
}

bool StorePort::events_pending() const {
    std::lock_guard lock(mutex_);
    return !events_.empty();
}

StorePort::Taken StorePort::take_event(size_t capacity) {
    std::lock_guard lock(mutex_);
    if (events_.empty()) return {};
    Taken taken{events_.front().size(), {}, false};
    if (taken.size > capacity) return taken;
    taken.payload = std::move(events_.front());
    taken.fitted = true;
    events_.pop_front();
    return taken;
}

StorePortStats StorePort::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

} // namespace sf::vmm
