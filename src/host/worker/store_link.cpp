// superfluid worker: forwarding guests' store requests to sfd and routing the answers.
#include "host/worker/store_link.h"

#include "host/worker/worker_records.h"
#include "store/store.h"
#include "store/wire.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace sf::host {
namespace {

// The monitor's copy of XenStore's numbers (vmm/devices/store_port.h) is the store's.
using store::wire::MsgType;
static_assert(vmm::xs::kDirectory == static_cast<uint32_t>(MsgType::Directory));
static_assert(vmm::xs::kRead == static_cast<uint32_t>(MsgType::Read));
static_assert(vmm::xs::kWatch == static_cast<uint32_t>(MsgType::Watch));
static_assert(vmm::xs::kUnwatch == static_cast<uint32_t>(MsgType::Unwatch));
static_assert(vmm::xs::kWrite == static_cast<uint32_t>(MsgType::Write));
static_assert(vmm::xs::kRm == static_cast<uint32_t>(MsgType::Rm));
static_assert(vmm::xs::kWatchEvent == static_cast<uint32_t>(MsgType::WatchEvent));
static_assert(vmm::xs::kError == static_cast<uint32_t>(MsgType::Error));
static_assert(vmm::xs::kHeaderSize == store::wire::kHeaderSize);
static_assert(vmm::xs::kPayloadMax == store::wire::kPayloadMax);

struct XsHeader {
    uint32_t type, req_id, tx_id, len;
};
static_assert(sizeof(XsHeader) == vmm::xs::kHeaderSize);

// One request waiting for its reply.
struct Pending {
    uint64_t guest_id = 0;
    std::optional<Result<vmm::StoreMessage>> outcome; // set: the waiter may go
    std::condition_variable done;
};

struct GuestEntry {
    std::weak_ptr<vmm::StorePort> port;
    StoreLinks::WakeFn wake;
    std::set<std::string> watches; // payloads ("path\0token\0") of its watches sfd accepted
};

} // namespace

struct StoreLinks::Shared {
    SendFn send;
    std::chrono::milliseconds timeout;
    mutable std::mutex mutex;
    uint64_t next_request_id = 1;
    std::map<uint64_t, std::shared_ptr<Pending>> pending; // by request id
    std::map<uint64_t, GuestEntry> guests;                // by guest id
    uint64_t requests = 0, replies = 0, timeouts = 0, unmatched = 0, events = 0, events_dropped = 0;
    uint64_t replayed = 0;
    std::set<uint64_t> replay_ids; // replayed watches' requests: nobody waits for their replies

    Result<vmm::StoreMessage> call(uint64_t guest_id, uint32_t type, std::string_view payload);
    void finish(uint64_t request_id, uint64_t guest_id, Result<vmm::StoreMessage> outcome);
    void event(uint64_t guest_id, std::string_view message);
    void remember_watch(uint64_t guest_id, uint32_t type, std::string_view payload,
                        const Result<vmm::StoreMessage>& outcome); // with the mutex held

    // A watch registered again without a waiter (its reply is dropped).
    struct Replay {
        uint64_t request_id;
        uint64_t guest_id;
        std::string message;
    };
    void queue_replay(uint64_t guest_id, std::string_view watch,
                      std::vector<Replay>& out);           // with the mutex held
    void send_replays(const std::vector<Replay>& replays); // without it
};

void StoreLinks::Shared::queue_replay(uint64_t guest_id, std::string_view watch, std::vector<Replay>& out) {
    const uint64_t request_id = next_request_id++;
    replay_ids.insert(request_id);
    ++replayed;
    out.push_back(
        Replay{request_id, guest_id, encode(vmm::xs::kWatch, static_cast<uint32_t>(request_id), watch)});
}

void StoreLinks::Shared::send_replays(const std::vector<Replay>& replays) {
    for (const Replay& r : replays)
        (void)send(r.request_id, r.guest_id, r.message);
}

// A guest's StoreTransport: its requests go through the shared state.
class StoreLinks::Link final : public vmm::StoreTransport {
  public:
    Link(std::weak_ptr<Shared> shared, uint64_t guest_id) : shared_(std::move(shared)), guest_id_(guest_id) {}
    Result<vmm::StoreMessage> request(uint32_t type, std::string_view payload) override {
        std::shared_ptr<Shared> shared = shared_.lock();
        if (!shared) return error(ErrorKind::Unavailable, "the worker's store links are gone");
        return shared->call(guest_id_, type, payload);
    }

  private:
    const std::weak_ptr<Shared> shared_;
    const uint64_t guest_id_;
};

std::string StoreLinks::encode(uint32_t type, uint32_t req_id, std::string_view payload) {
    const XsHeader header{type, req_id, 0, static_cast<uint32_t>(payload.size())};
    std::string message(sizeof header, '\0');
    std::memcpy(message.data(), &header, sizeof header);
    message.append(payload);
    return message;
}

Result<vmm::StoreMessage> StoreLinks::decode(std::string_view message) {
    if (message.size() < sizeof(XsHeader))
        return error("store message of {} bytes, shorter than its header", message.size());
    XsHeader header;
    std::memcpy(&header, message.data(), sizeof header);
    if (header.len != message.size() - sizeof header || header.len > vmm::xs::kPayloadMax)
        return error("store message with length {} in a packet of {} bytes", header.len, message.size());
    return vmm::StoreMessage{header.type, std::string(message.substr(sizeof header))};
}

Result<vmm::StoreMessage> StoreLinks::Shared::call(uint64_t guest_id, uint32_t type,
                                                   std::string_view payload) {
    auto waiter = std::make_shared<Pending>();
    waiter->guest_id = guest_id;
    uint64_t request_id;
    {
        std::lock_guard lock(mutex);
        if (!guests.contains(guest_id))
            return error(ErrorKind::Unavailable, "guest {} has no store link", guest_id);
        request_id = next_request_id++;
        pending.emplace(request_id, waiter);
        ++requests;
    }
    Result<void> sent = send(request_id, guest_id, encode(type, static_cast<uint32_t>(request_id), payload));
    std::unique_lock lock(mutex);
    if (!sent) waiter->outcome = Result<vmm::StoreMessage>(sent.error());
    if (!waiter->done.wait_for(lock, timeout, [&] { return waiter->outcome.has_value(); })) {
        ++timeouts;
        waiter->outcome = Result<vmm::StoreMessage>(
            error(ErrorKind::Unavailable, "no answer from the store within {} ms", timeout.count()));
    }
    pending.erase(request_id);
    remember_watch(guest_id, type, payload, *waiter->outcome);
    return std::move(*waiter->outcome);
}

// Keeps the guest's accepted watches, to register them again with a restarted sfd.
void StoreLinks::Shared::remember_watch(uint64_t guest_id, uint32_t type, std::string_view payload,
                                        const Result<vmm::StoreMessage>& outcome) {
    if ((type != vmm::xs::kWatch && type != vmm::xs::kUnwatch) || !outcome || outcome->type != type) return;
    auto it = guests.find(guest_id);
    if (it == guests.end()) return;
    if (type == vmm::xs::kWatch)
        it->second.watches.emplace(payload);
    else
        it->second.watches.erase(std::string(payload));
}

// Hands a request its outcome (called with the mutex held).
void StoreLinks::Shared::finish(uint64_t request_id, uint64_t guest_id, Result<vmm::StoreMessage> outcome) {
    auto it = pending.find(request_id);
    if (it == pending.end() || it->second->guest_id != guest_id || it->second->outcome) {
        ++unmatched; // it timed out already, or sfd is confused
        return;
    }
    ++replies;
    it->second->outcome = std::move(outcome);
    it->second->done.notify_one();
}

void StoreLinks::Shared::event(uint64_t guest_id, std::string_view message) {
    Result<vmm::StoreMessage> decoded = decode(message);
    std::shared_ptr<vmm::StorePort> port;
    WakeFn wake;
    {
        std::lock_guard lock(mutex);
        auto it = guests.find(guest_id);
        if (it != guests.end()) port = it->second.port.lock();
        if (!port || !decoded || decoded->type != vmm::xs::kWatchEvent) {
            ++events_dropped;
            return;
        }
        ++events;
        wake = it->second.wake;
    }
    port->push_event(std::move(decoded->payload));
    if (wake) wake();
}

StoreLinks::StoreLinks(SendFn send, std::chrono::milliseconds timeout) : shared_(std::make_shared<Shared>()) {
    shared_->send = std::move(send);
    shared_->timeout = timeout;
}

StoreLinks::~StoreLinks() {
    std::lock_guard lock(shared_->mutex);
    shared_->guests.clear();
    for (auto& [id, waiter] : shared_->pending) {
        if (waiter->outcome) continue;
        waiter->outcome = Result<vmm::StoreMessage>(error(ErrorKind::Unavailable, "the worker is stopping"));
        waiter->done.notify_one();
    }
}

Result<std::shared_ptr<vmm::StorePort>> StoreLinks::open(uint64_t guest_id, WakeFn wake) {
    auto port = std::make_shared<vmm::StorePort>(std::make_shared<Link>(shared_, guest_id));
    std::lock_guard lock(shared_->mutex);
    if (!shared_->guests.emplace(guest_id, GuestEntry{port, std::move(wake), {}}).second)
        return error(ErrorKind::Conflict, "guest {} has a store link already", guest_id);
    return port;
}

void StoreLinks::close(uint64_t guest_id) {
    std::lock_guard lock(shared_->mutex);
    shared_->guests.erase(guest_id);
    for (auto& [id, waiter] : shared_->pending) {
        if (waiter->guest_id != guest_id || waiter->outcome) continue;
        waiter->outcome =
            Result<vmm::StoreMessage>(error(ErrorKind::Unavailable, "guest {} is going", guest_id));
        waiter->done.notify_one();
    }
}

size_t StoreLinks::replay_watches() {
    std::vector<Shared::Replay> replays;
    {
        std::lock_guard lock(shared_->mutex);
        for (const auto& [guest_id, entry] : shared_->guests)
            for (const std::string& payload : entry.watches)
                shared_->queue_replay(guest_id, payload, replays);
    }
    shared_->send_replays(replays);
    return replays.size();
}

std::string StoreLinks::save_watches(uint64_t guest_id) const {
    std::string entries;
    uint32_t count = 0;
    {
        std::lock_guard lock(shared_->mutex);
        auto it = shared_->guests.find(guest_id);
        if (it != shared_->guests.end())
            for (const std::string& payload : it->second.watches) { // "path\0token\0"
                const size_t nul = payload.find('\0');
                const std::string_view path = std::string_view(payload).substr(0, nul);
                std::string_view token = std::string_view(payload).substr(nul + 1);
                if (!token.empty() && token.back() == '\0') token.remove_suffix(1);
                const records::WatchEntry entry{static_cast<uint32_t>(path.size()),
                                                static_cast<uint32_t>(token.size())};
                entries.append(reinterpret_cast<const char*>(&entry), sizeof entry);
                entries.append(path);
                entries.append(token);
                ++count;
            }
    }
    const records::WatchesRecord header{records::kWatchesVersion, count};
    return std::string(reinterpret_cast<const char*>(&header), sizeof header) + entries;
}

namespace {

// The watch payloads ("path\0token\0") in a Watches record.
Result<std::vector<std::string>> parse_watches(std::string_view payload) {
    records::WatchesRecord header;
    if (payload.size() < sizeof header)
        return error("Watches record of {} bytes is too short", payload.size());
    std::memcpy(&header, payload.data(), sizeof header);
    if (header.version != records::kWatchesVersion)
        return error("Watches record version {}; this worker reads {}", header.version,
                     records::kWatchesVersion);
    if (header.count > store::kWatchesPerConnection) // each would be registered with sfd at once
        return error("Watches record of {} watches; a guest may have {}", header.count,
                     store::kWatchesPerConnection);
    payload.remove_prefix(sizeof header);
    std::vector<std::string> watches;
    for (uint32_t i = 0; i < header.count; ++i) {
        records::WatchEntry entry;
        if (payload.size() < sizeof entry) return error("Watches record: entry {} is cut short", i);
        std::memcpy(&entry, payload.data(), sizeof entry);
        payload.remove_prefix(sizeof entry);
        const uint64_t length = uint64_t{entry.path_length} + entry.token_length;
        if (entry.path_length > records::kMaxWatchField || entry.token_length > records::kMaxWatchField ||
            length > payload.size())
            return error("Watches record: entry {} is too long", i);
        std::string watch(payload.substr(0, entry.path_length));
        watch += '\0';
        watch.append(payload.substr(entry.path_length, entry.token_length));
        watch += '\0';
        if (std::count(watch.begin(), watch.end(), '\0') != 2)
            return error("Watches record: entry {} holds a NUL", i);
        watches.push_back(std::move(watch));
        payload.remove_prefix(length);
    }
    if (!payload.empty()) return error("Watches record: {} bytes after its entries", payload.size());
    return watches;
}

} // namespace

Result<size_t> StoreLinks::restore_watches(uint64_t guest_id, std::string_view payload) {
    SF_TRY_ASSIGN(std::vector<std::string> watches, parse_watches(payload));
    std::vector<Shared::Replay> replays;
    {
        std::lock_guard lock(shared_->mutex);
        auto it = shared_->guests.find(guest_id);
        if (it == shared_->guests.end()) {
            if (watches.empty()) return size_t{0};
            return error(ErrorKind::InvalidArgument, "{} store watches for guest {}, which has no store",
                         watches.size(), guest_id);
        }
        for (std::string& watch : watches) {
            shared_->queue_replay(guest_id, watch, replays);
            it->second.watches.insert(std::move(watch));
        }
    }
    shared_->send_replays(replays);
    return replays.size();
}

void StoreLinks::receive(uint64_t request_id, uint64_t guest_id, std::string_view message) {
    if (request_id == 0) return shared_->event(guest_id, message);
    std::lock_guard lock(shared_->mutex);
    if (shared_->replay_ids.erase(request_id)) return; // a replayed watch's reply
    shared_->finish(request_id, guest_id, decode(message));
}

nlohmann::json StoreLinks::stats() const {
    std::lock_guard lock(shared_->mutex);
    return {{"requests", shared_->requests},
            {"replies", shared_->replies},
            {"timeouts", shared_->timeouts},
            {"unmatched", shared_->unmatched},
            {"events", shared_->events},
            {"events_dropped", shared_->events_dropped},
            {"guests", shared_->guests.size()},
            {"watches_replayed", shared_->replayed},
            {"replays_unanswered", shared_->replay_ids.size()}};
}

} // namespace sf::host
