// superfluid toolstack: the guest table's per-guest operations.
#include "host/guest_table.h"

#include <cstdio>

#include "common/json_fields.h"

namespace sf::host {
namespace {

constexpr std::chrono::milliseconds kFollowHeartbeat{200};

} // namespace
Result<GuestTable::Located> GuestTable::locate(const std::string& ref) const {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(uint64_t id, resolve(ref));
    const Record& record = guests_.at(id);
    return Located{id, record.info.worker, record.in_worker};
}

Result<GuestInfo> GuestTable::info(const std::string& ref) {
    SF_TRY_ASSIGN(const Located where, locate(ref));
    const auto [id, worker, in_worker] = where;
    Result<worker_api::GuestStatus> reply =
        in_worker ? call_worker(worker, worker_api::Info{id}) : Result<worker_api::GuestStatus>(error("gone"));
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest '{}'", ref);
    if (reply) it->second.info.console_bytes = reply->console_bytes;
    return it->second.info;
}

Result<std::vector<GuestInfo>> GuestTable::list() {
    std::lock_guard lock(mutex_);
    std::vector<GuestInfo> out;
    out.reserve(guests_.size());
    for (const auto& [id, record] : guests_) out.push_back(record.info);
    return out;
}

// start/pause/resume: checks the state, asks the worker, records the new state.
template <class Request> Result<GuestInfo> GuestTable::lifecycle(const std::string& ref, GuestState from, GuestState to) {
    const std::string_view op = worker_api::op_name(Request::kOp);
    uint64_t id;
    int worker;
    {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(id, resolve(ref));
        const Record& record = guests_.at(id);
        if (record.busy != Busy::No)
            return error(ErrorKind::Conflict, "guest '{}' is {}", record.info.name, describe(record.busy));
        if (record.info.state != from)
            return error(ErrorKind::Conflict, "cannot {} guest '{}': it is {}", op, record.info.name,
                         to_string(record.info.state));
        worker = record.info.worker;
    }
    SF_TRY(call_worker(worker, Request{id}));
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest '{}'", ref);
    if (it->second.info.state == from) { // unless it ended meanwhile
        it->second.info.state = to;
        store_state(it->second);
    }
    changed_.notify_all();
    return it->second.info;
}

Result<GuestInfo> GuestTable::start(const std::string& ref) {
    return lifecycle<worker_api::Start>(ref, GuestState::Created, GuestState::Running);
}
Result<GuestInfo> GuestTable::pause(const std::string& ref) {
    return lifecycle<worker_api::Pause>(ref, GuestState::Running, GuestState::Paused);
}
Result<GuestInfo> GuestTable::resume(const std::string& ref) {
    return lifecycle<worker_api::Resume>(ref, GuestState::Paused, GuestState::Running);
}

Result<void> GuestTable::destroy(const std::string& ref) {
    {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(const uint64_t busy_id, resolve(ref));
        if (const Record& record = guests_.at(busy_id); record.busy != Busy::No)
            return error(ErrorKind::Conflict, "guest '{}' is {}", record.info.name, describe(record.busy));
    }
    SF_TRY_ASSIGN(const Located where, locate(ref));
    const auto [id, worker, in_worker] = where;
    if (in_worker) {
        Result<worker_api::Done> reply = call_worker(worker, worker_api::Destroy{id});
        if (!reply && reply.error().kind != ErrorKind::NotFound && reply.error().kind != ErrorKind::Unavailable)
            return std::move(reply).error();
    }
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest '{}'", ref);
    end_followers(it->second);
    if (it->second.port_key) net_->release(*it->second.port_key);
    if (gate_) gate_->close(id);
    if (records_)
        if (Result<void> removed = records_->remove_guest(id); !removed)
            std::fprintf(stderr, "sfd: guest %s: %s\n", it->second.info.name.c_str(), removed.error().message.c_str());
    if (it->second.in_worker) pool_->release_guest(worker);
    names_.erase(it->second.info.name);
    guests_.erase(it);
    changed_.notify_all();
    return ok();
}

Result<std::string> GuestTable::logs(const std::string& ref) {
    SF_TRY_ASSIGN(const Located where, locate(ref));
    const auto [id, worker, in_worker] = where;
    if (!in_worker) return std::string(); // its worker died with the ring
    SF_TRY_ASSIGN(worker_api::ConsoleBytes reply, call_worker(worker, worker_api::Logs{id}));
    return std::move(reply.bytes);
}

Result<void> GuestTable::follow_console(const std::string& ref, const ConsoleCallback& callback) {
    auto follower = std::make_shared<Follower>();
    uint64_t id;
    int worker;
    {
        std::lock_guard lock(mutex_);
        SF_TRY_ASSIGN(id, resolve(ref));
        Record& record = guests_.at(id);
        worker = record.info.worker;
        follower->ended = has_ended(record.info.state) || !record.in_worker;
        record.followers.push_back(follower);
    }
    Result<worker_api::ConsoleBytes> snapshot = call_worker(worker, worker_api::Follow{id});
    bool more = snapshot && (snapshot->bytes.empty() || callback(snapshot->bytes));
    std::unique_lock lock(mutex_);
    while (more) {
        const bool woke = changed_.wait_for(lock, kFollowHeartbeat, [&] {
            return follower->ended || !follower->backlog.empty() || shutting_down_;
        });
        std::deque<std::string> chunks = follower->backlog.take();
        const bool last = follower->ended || shutting_down_;
        lock.unlock();
        if (!woke) more = callback({}); // heartbeat: lets a gone client or a stopping server end the follow
        for (const std::string& chunk : chunks) more = more && callback(chunk);
        lock.lock();
        if (last) break;
    }
    auto it = guests_.find(id);
    if (it != guests_.end()) std::erase(it->second.followers, follower);
    lock.unlock();
    if (snapshot) (void)call_worker(worker, worker_api::Unfollow{id});
    if (!snapshot) return std::move(snapshot).error();
    return ok();
}

// {"backend", "records_written", "record_ms_mean" (a create's time writing its record), "nodes", "watches"}
nlohmann::json GuestTable::store_info() const {
    if (!options_.store) return {{"backend", "none"}};
    const uint64_t written = records_written_;
    const store::StoreStats stats = options_.store->stats();
    return {{"backend", options_.store->backend_name()},
            {"records_written", written},
            {"record_ms_mean", written ? static_cast<double>(record_ns_) / static_cast<double>(written) / 1e6 : 0.0},
            {"nodes", stats.nodes},
            {"watches", stats.watches},
            {"commits", stats.commits},
            {"conflicts", stats.conflicts}};
}

Result<HostInfo> GuestTable::host_info() {
    const std::vector<std::shared_ptr<WorkerProcess>> workers = pool_->workers();
    nlohmann::json states = nlohmann::json::object();
    size_t total = 0;
    uint64_t console_dropped = 0, committed = 0;
    {
        std::lock_guard lock(mutex_);
        console_dropped = console_dropped_;
        committed = committed_memory();
        for (const auto& [id, record] : guests_) {
            auto key = to_string(record.info.state);
            states[key] = states.value(key, 0) + 1;
            ++total;
        }
    }
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < workers.size(); ++i) {
        nlohmann::json entry = {{"index", i}, {"pid", workers[i] ? workers[i]->pid() : -1},
                                {"alive", workers[i] && workers[i]->alive()}};
        if (workers[i] && workers[i]->alive())
            if (Result<worker_api::WorkerStats> stats = workers[i]->call(worker_api::Stats{}); stats) {
                entry["guests"] = stats->guests;
                entry["pool"] = stats->pool;
                entry["scheduler"] = stats->scheduler;
                entry["templates"] = stats->templates;
            }
        list.push_back(entry);
    }
    return HostInfo{{{"guests", total},
                     {"backend", options_.backend},
                     {"backend_description", options_.backend_description},
                     {"states", states},
                     {"workers", list},
                     {"max_workers", options_.pool.max_workers},
                     {"guests_per_worker", options_.pool.guests_per_worker},
                     {"max_guests_per_worker", options_.pool.max_guests_per_worker},
                     {"mem_reserve", options_.mem_reserve},
                     {"mem_committed", committed},
                     {"mem_commit_limit", memory_budget_->limit()},
                     {"overcommit", options_.overcommit},
                     {"console_bytes_dropped", console_dropped},
                     {"store", store_info()}}};
}

} // namespace sf::host
