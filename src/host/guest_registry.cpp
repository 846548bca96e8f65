// superfluid toolstack: the guest registry (records, names, ids, admission).
#include "host/guest_registry.h"

#include "store/store.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace sf::host {
namespace {

constexpr std::chrono::milliseconds kFollowHeartbeat{200};

// The current UTC time, "2026-11-22T03:04:05Z" (records' created_at).
std::string now_rfc3339() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// How an ended guest ended: "exited with status 3", "crashed: REASON".
std::string ending(const GuestInfo& info) {
    if (info.state == GuestState::Exited)
        return fmt::format("exited with status {}", info.exit_status.value_or(0));
    return fmt::format("crashed: {}", info.reason.value_or("no reason given"));
}

} // namespace

const char* describe(Busy busy) {
    switch (busy) {
    case Busy::No: return "idle";
    case Busy::Saving: return "being saved";
    case Busy::Migrating: return "migrating";
    case Busy::Arriving: return "arriving";
    }
    return "busy";
}

GuestRegistry::GuestRegistry(RegistryOptions options) : options_(std::move(options)) {}

GuestRegistry::Reservation::Reservation(Reservation&& other) noexcept
    : info(std::move(other.info)), nic(std::move(other.nic)), registry_(other.registry_),
      serial_(other.serial_) {
    other.registry_ = nullptr;
}

GuestRegistry::Reservation::~Reservation() {
    if (registry_) registry_->release(info.id, serial_);
}

Result<GuestRegistry::Reservation> GuestRegistry::admit(const Admission& a) {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return error(ErrorKind::Unavailable, "sfd is shutting down");
    if (!a.name.empty() && names_.count(a.name))
        return error(ErrorKind::Conflict, "a guest named '{}' exists already", a.name);
    SF_TRY(admit_memory(a.mem_size));
    SF_TRY_ASSIGN(const uint64_t id, allocate_id());
    SF_TRY_ASSIGN(const int where, a.kind->place());
    Result<std::optional<NicLease>> nic = a.nic ? a.nic() : std::optional<NicLease>();
    if (!nic) {
        a.kind->release({id, where}, true);
        return std::move(nic).error();
    }
    if (*nic) a.kind->bind_nic((*nic)->port_key, where); // before the guest can send
    Record record;
    GuestInfo& info = record.entry.info;
    info.id = id;
    info.name = a.name.empty() ? fmt::format("guest-{}", id) : a.name;
    info.kind = a.kind->name();
    info.image = a.image;
    info.mem_size = a.mem_size;
    info.cmdline = a.cmdline;
    info.state = a.state;
    info.worker = where;
    info.created_at = now_rfc3339();
    record.entry.kind = a.kind;
    record.entry.busy = a.busy;
    record.serial = next_serial_++;
    record.request_ns = a.request_ns;
    if (*nic) {
        record.entry.info.nic = (*nic)->info();
        record.entry.port_key = (*nic)->port_key;
    }
    Reservation reservation(this, record.serial);
    reservation.info = record.entry.info;
    reservation.nic = std::move(*nic);
    names_[record.entry.info.name] = id;
    guests_.emplace(id, std::move(record));
    return reservation;
}

Result<void> GuestRegistry::check_free_memory() const {
    Result<uint64_t> available = memory_gauge_.available();
    if (available && *available < options_.mem_reserve)
        return error(ErrorKind::ResourceExhausted,
                     "not enough host memory: {} MiB available and sfd keeps {} MiB free", *available >> 20,
                     options_.mem_reserve >> 20);
    return ok();
}

Result<void> GuestRegistry::store(const Reservation& reservation) {
    if (!options_.records) return ok();
    return options_.records->put_guest(reservation.info, options_.ring_size,
                                       reservation.nic ? std::optional(reservation.nic->port_key)
                                                       : std::nullopt);
}

void GuestRegistry::release(uint64_t id, uint64_t serial) {
    std::lock_guard lock(mutex_);
    if (auto it = guests_.find(id); it != guests_.end() && it->second.serial == serial) remove(it);
}

Result<uint64_t> GuestRegistry::allocate_id() {
    if (guests_.size() >= store::kMaxDomainId)
        return error(ErrorKind::ResourceExhausted, "host is full: {} guests", guests_.size());
    for (;;) {
        const uint64_t id = next_id_;
        next_id_ = next_id_ >= store::kMaxDomainId ? 1 : next_id_ + 1;
        if (!guests_.count(id)) return id;
    }
}

uint64_t GuestRegistry::committed_memory() const {
    uint64_t committed = 0;
    for (const auto& [id, record] : guests_)
        if (!has_ended(record.entry.info.state)) committed += record.entry.info.mem_size;
    return committed;
}

Result<void> GuestRegistry::admit_memory(uint64_t mem_size) {
    if (!committed_bound_ || !options_.budget.admit(*committed_bound_, mem_size)) {
        committed_bound_ = committed_memory(); // exact: the first time, or near the limit
        SF_TRY(options_.budget.admit(*committed_bound_, mem_size));
    }
    *committed_bound_ += mem_size;
    return ok();
}

Result<uint64_t> GuestRegistry::resolve(const std::string& ref) const {
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
    if (ec == std::errc() && end == ref.data() + ref.size() && guests_.count(id)) return id;
    auto it = names_.find(ref);
    if (it != names_.end()) return it->second;
    return error(ErrorKind::NotFound, "no guest '{}'", ref);
}

Result<GuestEntry> GuestRegistry::find(const std::string& ref) const {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(const uint64_t id, resolve(ref));
    return guests_.at(id).entry;
}

std::optional<GuestEntry> GuestRegistry::find(uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return std::nullopt;
    return it->second.entry;
}

std::vector<GuestInfo> GuestRegistry::list() const {
    std::lock_guard lock(mutex_);
    std::vector<GuestInfo> out;
    out.reserve(guests_.size());
    for (const auto& [id, record] : guests_)
        out.push_back(record.entry.info);
    return out;
}

bool GuestRegistry::holds(uint64_t id, const GuestKind* kind, int where) const {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    return it != guests_.end() && it->second.entry.held && it->second.entry.kind == kind &&
           it->second.entry.info.worker == where;
}

Result<GuestEntry> GuestRegistry::idle(const std::string& ref) const {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(const uint64_t id, resolve(ref));
    const GuestEntry& entry = guests_.at(id).entry;
    if (entry.busy != Busy::No)
        return error(ErrorKind::Conflict, "guest '{}' is {}", entry.info.name, describe(entry.busy));
    return entry;
}

Result<GuestEntry> GuestRegistry::ready_for(const std::string& ref, GuestState from,
                                            std::string_view op) const {
    SF_TRY_ASSIGN(GuestEntry entry, idle(ref));
    if (entry.info.state != from)
        return error(ErrorKind::Conflict, "cannot {} guest '{}': it is {}", op, entry.info.name,
                     to_string(entry.info.state));
    return entry;
}

Result<GuestInfo> GuestRegistry::changed(uint64_t id, GuestState from, GuestState to) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {}", id);
    if (it->second.entry.info.state == from) { // unless it ended meanwhile
        it->second.entry.info.state = to;
        store_state(it->second);
    }
    changed_.notify_all();
    return it->second.entry.info;
}

Result<GuestInfo> GuestRegistry::set_console_bytes(uint64_t id, uint64_t bytes) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {}", id);
    it->second.entry.info.console_bytes = bytes;
    return it->second.entry.info;
}

Result<GuestInfo> GuestRegistry::wait_for_output(uint64_t id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto done = [&] {
        auto it = guests_.find(id);
        return it == guests_.end() || it->second.has_output || has_ended(it->second.entry.info.state);
    };
    if (!changed_.wait_for(lock, timeout, done))
        return error(ErrorKind::Unavailable,
                     "guest {} wrote nothing to its console within {} ms (it runs on)", id, timeout.count());
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", id);
    const GuestInfo& info = it->second.entry.info;
    if (!it->second.has_output) // it ended first: that is no output
        return error(ErrorKind::Conflict,
                     "guest '{}' {} before writing any console output (GET /v1/guests/{})", info.name,
                     ending(info), info.id);
    return info;
}

Result<GuestEntry> GuestRegistry::mark_busy(const std::string& ref, Busy what) {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(const uint64_t id, resolve(ref));
    GuestEntry& entry = guests_.at(id).entry;
    if (entry.busy != Busy::No)
        return error(ErrorKind::Conflict, "guest '{}' is {}", entry.info.name, describe(entry.busy));
    if (!entry.held || (entry.info.state != GuestState::Running && entry.info.state != GuestState::Paused))
        return error(ErrorKind::Conflict, "guest '{}' is {}: only a running or paused guest can be {}",
                     entry.info.name, to_string(entry.info.state), describe(what));
    entry.busy = what;
    return entry;
}

void GuestRegistry::clear_busy(uint64_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = guests_.find(id); it != guests_.end()) it->second.entry.busy = Busy::No;
    changed_.notify_all();
}

Result<GuestInfo> GuestRegistry::settle(uint64_t id, bool paused) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", id);
    GuestEntry& entry = it->second.entry;
    entry.busy = Busy::No;
    if (entry.info.state == GuestState::Paused && !paused) entry.info.state = GuestState::Running;
    store_state(it->second);
    changed_.notify_all();
    return entry.info;
}

Result<void> GuestRegistry::remove(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {}", id);
    remove(it);
    return ok();
}

void GuestRegistry::remove(std::map<uint64_t, Record>::iterator it) {
    Record& record = it->second;
    const GuestEntry& entry = record.entry;
    end_followers(record);
    if (entry.port_key) options_.net->release(*entry.port_key);
    entry.kind->release(entry.ref(), entry.held);
    if (options_.records)
        if (Result<void> removed = options_.records->remove_guest(entry.info.id); !removed)
            std::fprintf(stderr, "sfd: guest %s: %s\n", entry.info.name.c_str(),
                         removed.error().message.c_str());
    names_.erase(entry.info.name);
    guests_.erase(it);
    changed_.notify_all();
}

void GuestRegistry::store_state(const Record& record) {
    if (!options_.records) return;
    if (Result<void> stored = options_.records->put_state(record.entry.info); !stored)
        std::fprintf(stderr, "sfd: guest %s: %s\n", record.entry.info.name.c_str(),
                     stored.error().message.c_str());
}

void GuestRegistry::end_followers(Record& record) {
    for (auto& follower : record.followers)
        follower->ended = true;
}

void GuestRegistry::first_output(uint64_t id, uint64_t t_ns) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return;
    it->second.has_output = true;
    if (t_ns > it->second.request_ns && it->second.request_ns != 0)
        it->second.entry.info.first_output_ms = static_cast<double>(t_ns - it->second.request_ns) / 1e6;
    changed_.notify_all();
}

void GuestRegistry::ended(uint64_t id, GuestState state, std::optional<int32_t> status, std::string reason) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return;
    GuestInfo& info = it->second.entry.info;
    info.state = state;
    if (state == GuestState::Exited)
        info.exit_status = status;
    else
        info.reason = reason.empty() ? "crashed" : std::move(reason);
    end_followers(it->second);
    store_state(it->second);
    changed_.notify_all();
}

void GuestRegistry::console(uint64_t id, std::string_view bytes) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return;
    for (auto& follower : it->second.followers) {
        const uint64_t dropped_before = follower->backlog.dropped();
        follower->backlog.push(bytes);
        console_dropped_ += follower->backlog.dropped() - dropped_before;
    }
    changed_.notify_all();
}

void GuestRegistry::holder_lost(const GuestKind* kind, int where, const std::string& reason,
                                const std::function<void(uint64_t id)>& lost) {
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_) {
        GuestEntry& entry = record.entry;
        if (entry.kind != kind || entry.info.worker != where || !entry.held) continue;
        entry.held = false;
        lost(id);
        if (!has_ended(entry.info.state)) {
            entry.info.state = GuestState::Crashed;
            entry.info.reason = reason;
            store_state(record);
        }
        end_followers(record);
    }
    changed_.notify_all();
}

Result<void> GuestRegistry::follow(const std::string& ref, const Snapshot& snapshot,
                                   const ConsoleCallback& callback,
                                   const std::function<void(const GuestEntry&)>& unfollow) {
    auto follower = std::make_shared<Follower>();
    GuestEntry entry;
    {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(const uint64_t id, resolve(ref));
        Record& record = guests_.at(id);
        entry = record.entry;
        follower->ended = has_ended(entry.info.state) || !entry.held;
        record.followers.push_back(follower);
    }
    Result<std::string> ring = snapshot(entry);
    bool more = ring && (ring->empty() || callback(*ring));
    std::unique_lock lock(mutex_);
    while (more) {
        const bool woke = changed_.wait_for(lock, kFollowHeartbeat, [&] {
            return follower->ended || !follower->backlog.empty() || shutting_down_;
        });
        std::deque<std::string> chunks = follower->backlog.take();
        const bool last = follower->ended || shutting_down_;
        lock.unlock();
        if (!woke) more = callback({}); // heartbeat: lets a gone client or a stopping server end the follow
        for (const std::string& chunk : chunks)
            more = more && callback(chunk);
        lock.lock();
        if (last) break;
    }
    if (auto it = guests_.find(entry.info.id); it != guests_.end())
        std::erase(it->second.followers, follower);
    lock.unlock();
    if (!ring) return std::move(ring).error();
    unfollow(entry);
    return ok();
}

void GuestRegistry::recover(const std::vector<GuestEntry>& entries) {
    std::lock_guard lock(mutex_);
    for (const GuestEntry& entry : entries) {
        Record record;
        record.entry = entry;
        record.entry.held = false;
        record.serial = next_serial_++;
        names_[entry.info.name] = entry.info.id;
        guests_.emplace(entry.info.id, std::move(record));
        next_id_ = std::max(next_id_, entry.info.id + 1);
    }
    if (next_id_ > store::kMaxDomainId) next_id_ = 1;
}

bool GuestRegistry::adopted(uint64_t id, const GuestKind* kind, int where, const HeldState& held) {
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end() || it->second.entry.kind != kind || it->second.entry.info.worker != where)
        return false;
    Record& record = it->second;
    record.entry.held = true;
    record.entry.info.state = held.state;
    if (held.status) record.entry.info.exit_status = held.status;
    if (held.reason) record.entry.info.reason = held.reason;
    record.entry.info.console_bytes = held.console_bytes;
    record.has_output = held.console_bytes > 0;
    store_state(record);
    return true;
}

size_t GuestRegistry::mark_unadopted(const std::function<std::string(const GuestInfo&)>& reason) {
    std::lock_guard lock(mutex_);
    size_t lost = 0;
    for (auto& [id, record] : guests_) {
        GuestInfo& info = record.entry.info;
        if (record.entry.held || has_ended(info.state)) continue;
        info.state = GuestState::Crashed;
        info.reason = reason(info);
        store_state(record);
        ++lost;
    }
    return lost;
}

GuestRegistry::Figures GuestRegistry::figures() const {
    std::lock_guard lock(mutex_);
    Figures figures;
    figures.states = nlohmann::json::object();
    for (const auto& [id, record] : guests_) {
        auto key = to_string(record.entry.info.state);
        figures.states[key] = figures.states.value(key, 0) + 1;
    }
    figures.guests = guests_.size();
    figures.committed = committed_memory();
    figures.commit_limit = options_.budget.limit();
    figures.console_dropped = console_dropped_;
    return figures;
}

bool GuestRegistry::shut_down() {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return false;
    shutting_down_ = true;
    return true;
}

bool GuestRegistry::shutting_down() const {
    std::lock_guard lock(mutex_);
    return shutting_down_;
}

void GuestRegistry::release_all_nics() {
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_)
        if (record.entry.port_key) {
            options_.net->release(*record.entry.port_key);
            record.entry.port_key.reset();
        }
}

void GuestRegistry::end_all_follows() {
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_)
        end_followers(record);
    changed_.notify_all();
}

} // namespace sf::host
