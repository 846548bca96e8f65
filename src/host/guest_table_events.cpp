// superfluid toolstack: the guest table's side of worker events, worker
// deaths (the WorkerPool restarts them), and shutdown.
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
    {
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
        changed_.notify_all();
        if (shutting_down_) return;
    }
    pool_->worker_exited(index, how);
}

void GuestTable::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_) return;
        shutting_down_ = true;
    }
    pool_->shutdown(std::chrono::seconds(10));
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_) end_followers(record);
    changed_.notify_all();
    if (records_)
        if (Result<void> cleared = records_->clear(); !cleared)
            std::fprintf(stderr, "sfd: %s\n", cleared.error().message.c_str());
}

pid_t GuestTable::worker_pid(int index) const { return pool_->pid(index); }

} // namespace sf::host
