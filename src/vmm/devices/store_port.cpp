// superfluid monitor: a guest's store access, monitor side (the event queue).
#include "vmm/devices/store_port.h"

#include "superfluid/abi.h"

#include <cstring>

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

StorePortSnapshot StorePort::snapshot() const {
    std::lock_guard lock(mutex_);
    return StorePortSnapshot{events_, stats_};
}

void StorePort::restore(StorePortSnapshot snapshot) {
    std::lock_guard lock(mutex_);
    events_ = std::move(snapshot.events);
    stats_ = snapshot.stats;
}

namespace {

struct StoreSnapshotHeader {
    uint32_t count;
    uint32_t reserved;
    uint64_t requests, failures, events, events_dropped;
};
static_assert(sizeof(StoreSnapshotHeader) == 40);

template <typename T> void append(std::vector<uint8_t>& out, const T& value) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), bytes, bytes + sizeof(T));
}

} // namespace

std::vector<uint8_t> StorePort::encode(const StorePortSnapshot& snapshot) {
    std::vector<uint8_t> out;
    const StorePortStats& s = snapshot.stats;
    append(out, StoreSnapshotHeader{static_cast<uint32_t>(snapshot.events.size()), 0, s.requests, s.failures,
                                    s.events, s.events_dropped});
    for (const std::string& event : snapshot.events) {
        append(out, static_cast<uint32_t>(event.size()));
        out.insert(out.end(), event.begin(), event.end());
    }
    return out;
}

Result<StorePortSnapshot> StorePort::decode(std::span<const uint8_t> payload) {
    StoreSnapshotHeader header{};
    if (payload.size() < sizeof(header))
        return error("snapshot StorePort: {} bytes is shorter than its {}-byte header", payload.size(),
                     sizeof(header));
    std::memcpy(&header, payload.data(), sizeof(header));
    if (header.count > kQueueMax)
        return error("snapshot StorePort: {} events queued (at most {})", header.count, kQueueMax);
    StorePortSnapshot out;
    out.stats = {header.requests, header.failures, header.events, header.events_dropped};
    size_t at = sizeof(header);
    for (uint32_t i = 0; i < header.count; ++i) {
        uint32_t len = 0;
        if (payload.size() - at < sizeof(len)) return error("snapshot StorePort: event {} is cut short", i);
        std::memcpy(&len, payload.data() + at, sizeof(len));
        at += sizeof(len);
        if (len > SF_STORE_EVENT_MAX)
            return error("snapshot StorePort: event {} of {} bytes (at most {})", i, len, SF_STORE_EVENT_MAX);
        if (payload.size() - at < len) return error("snapshot StorePort: event {} is cut short", i);
        out.events.emplace_back(reinterpret_cast<const char*>(payload.data() + at), len);
        at += len;
    }
    if (at != payload.size())
        return error("snapshot StorePort: {} bytes after the last event", payload.size() - at);
    return out;
}

} // namespace sf::vmm
