// superfluid toolstack: the guest table's side of worker events, worker
// deaths and restarts, and shutdown.
#include "host/guest_table.h"

#include <cstdio>


namespace sf::host {

void GuestTable::end_followers(Record& record) {
    for (auto& follower : record.followers) follower->ended = true;
}

void GuestTable::on_event(uint64_t id, const worker_api::GuestEvent& event) {
    using Kind = worker_api::GuestEvent::Kind;
    std::lock_guard lock(mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return;
    Record& record = it->second;
    switch (event.kind) {
    case Kind::FirstOutput:
        record.has_output = true;
        if (event.t_ns > record.request_ns)
            record.info.first_output_ms = static_cast<double>(event.t_ns - record.request_ns) / 1e6;
        break;
    case Kind::Exited:
        record.info.state = GuestState::Exited;
        record.info.exit_status = event.status;
        end_followers(record);
        store_state(record);
        break;
    case Kind::Crashed:
        record.info.state = GuestState::Crashed;
        record.info.reason = event.reason.empty() ? "crashed" : event.reason;
        end_followers(record);
        store_state(record);
        break;
    }
    changed_.notify_all();
}

void GuestTable::on_console(uint64_t id, std::string_view bytes) {
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

void GuestTable::on_worker_exit(int index, const std::string& how) {
    net_->detach_worker(index);
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_) {
        if (record.info.worker != index || !record.in_worker) continue;
        record.in_worker = false;
        if (gate_) gate_->close(id);
        if (!has_ended(record.info.state)) {
            record.info.state = GuestState::Crashed;
            record.info.reason = fmt::format("its worker process {} {}", index, how);
            store_state(record);
        }
        end_followers(record);
    }
    const auto slot = static_cast<size_t>(index);
    load_[slot] = 0;
    changed_.notify_all();
    if (shutting_down_) return;
    constexpr auto kQuickExit = std::chrono::seconds(2);
    constexpr int kMaxQuickExits = 3;
    const bool quick = std::chrono::steady_clock::now() - started_at_[slot] < kQuickExit;
    quick_exits_[slot] = quick ? quick_exits_[slot] + 1 : 0;
    if (quick_exits_[slot] >= kMaxQuickExits) {
        workers_failing_ = fmt::format("worker {} {} right after starting, {} times in a row (see sfd's log)",
                                       index, how, quick_exits_[slot]);
        std::fprintf(stderr, "sfd: not restarting worker %d: it %s right after starting, %d times in a row\n", index,
                     how.c_str(), quick_exits_[slot]);
        return;
    }
    dead_slots_.push_back(index);
    supervisor_cv_.notify_one();
}

// Replaces dead workers and adds new ones, one at a time, on its own thread.
void GuestTable::supervise() {
    std::unique_lock lock(mutex_);
    for (;;) {
        supervisor_cv_.wait(lock, [this] { return shutting_down_ || !dead_slots_.empty() || grow_requested_; });
        if (shutting_down_) return;
        if (grow_requested_) {
            lock.unlock();
            grow();
            lock.lock();
            continue;
        }
        const int slot = dead_slots_.back();
        dead_slots_.pop_back();
        std::shared_ptr<WorkerProcess> old = std::move(workers_[static_cast<size_t>(slot)]);
        lock.unlock();
        old.reset(); // joins its reader thread
        Result<void> spawned = spawn_worker(slot);
        if (!spawned) {
            std::fprintf(stderr, "sfd: cannot restart worker %d: %s\n", slot, spawned.error().message.c_str());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        lock.lock();
        if (!spawned) dead_slots_.push_back(slot);
    }
}

// Adds a worker slot and starts its worker (the supervisor's job).
void GuestTable::grow() {
    int slot;
    {
        std::lock_guard lock(mutex_);
        slot = static_cast<int>(workers_.size());
        ensure_slots(workers_.size() + 1);
    }
    Result<void> spawned = spawn_worker(slot);
    std::lock_guard lock(mutex_);
    grow_requested_ = false;
    if (!spawned) {
        std::fprintf(stderr, "sfd: cannot add worker %d: %s\n", slot, spawned.error().message.c_str());
        dead_slots_.push_back(slot); // retried like a dead one
    }
}

void GuestTable::shutdown() {
    std::vector<std::shared_ptr<WorkerProcess>> workers;
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_) return;
        shutting_down_ = true;
        workers = workers_;
    }
    supervisor_cv_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
    std::vector<std::thread> stoppers;
    for (auto& worker : workers)
        if (worker) stoppers.emplace_back([worker] { worker->stop(std::chrono::seconds(10)); });
    for (std::thread& t : stoppers) t.join();
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_) end_followers(record);
    changed_.notify_all();
    if (records_)
        if (Result<void> cleared = records_->clear(); !cleared)
            std::fprintf(stderr, "sfd: %s\n", cleared.error().message.c_str());
}

pid_t GuestTable::worker_pid(int index) const {
    std::lock_guard lock(mutex_);
    const auto& worker = workers_.at(static_cast<size_t>(index));
    return worker && worker->alive() ? worker->pid() : -1;
}

} // namespace sf::host
