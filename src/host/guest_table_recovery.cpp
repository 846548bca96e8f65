// superfluid toolstack: a restarted sfd rebuilding its view from a durable
// store. Networks are created again, workers that outlived the old sfd are
// adopted (WorkerProcess::adopt) and asked what they hold, and every guest
// recorded is listed again: running on in an adopted worker, or crashed when
// its worker is gone.
#include "host/guest_table.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <set>

namespace sf::host {

Result<void> GuestTable::recover() {
    SF_TRY_ASSIGN(const std::vector<StoredGuest> guests, records_->guests());
    // Keys the surviving guests' frames carry must not be handed out again.
    uint32_t highest_key = 0;
    for (const StoredGuest& g : guests) highest_key = std::max(highest_key, g.port_key.value_or(0));
    net_->reserve_keys(highest_key);
    SF_TRY_ASSIGN(const std::vector<StoredNetwork> networks, records_->networks());
    for (const StoredNetwork& n : networks)
        if (Result<NetworkInfo> made = net_->create_network({n.name, n.subnet}); !made)
            std::fprintf(stderr, "sfd: recovering network %s: %s\n", n.name.c_str(), made.error().message.c_str());
    // Records first, so that events a worker sends once adopted find them.
    {
        std::lock_guard lock(mutex_);
        for (const StoredGuest& stored : guests) {
            const GuestInfo& info = stored.info;
            Record record;
            record.info = info;
            record.in_worker = false;
            if (info.nic && stored.port_key) { // its NIC, as it was: until destroyed, its address stays its own
                Result<NicLease> lease = net_->restore(info.nic->network, info.nic->mac, info.nic->ip, *stored.port_key);
                if (lease) {
                    record.port_key = lease->port_key;
                    record.info.nic = lease->info();
                } else {
                    std::fprintf(stderr, "sfd: guest %s: its NIC: %s\n", info.name.c_str(),
                                 lease.error().message.c_str());
                }
            }
            names_[info.name] = info.id;
            guests_.emplace(info.id, std::move(record));
            next_id_ = std::max(next_id_, info.id + 1);
        }
        if (next_id_ > store::kMaxDomainId) next_id_ = 1;
    }
    SF_TRY_ASSIGN(const std::vector<StoredWorker> stored_workers, records_->workers());
    size_t adopted = 0;
    for (const StoredWorker& w : stored_workers) {
        if (w.slot < 0 || w.slot >= options_.pool.max_workers) continue;
        Result<void> done = adopt(w.slot, w.socket);
        if (!done) std::fprintf(stderr, "sfd: worker %d: %s\n", w.slot, done.error().message.c_str());
        else ++adopted;
    }
    size_t lost = 0;
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : guests_) {
        if (record.in_worker || has_ended(record.info.state)) continue;
        record.info.state = GuestState::Crashed;
        record.info.reason = fmt::format("its worker process {} was gone when sfd restarted", record.info.worker);
        store_state(record);
        ++lost;
    }
    std::fprintf(stderr, "sfd: recovered %zu guests from the store (%zu workers adopted, %zu guests lost)\n",
                 guests.size(), adopted, lost);
    return ok();
}

// Adopts worker `slot` and takes over the records of the guests it holds;
// guests it holds without a record (sfd died creating them) are destroyed.
Result<void> GuestTable::adopt(int slot, const std::string& socket) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return error("socketpair failed: {}", std::strerror(errno));
    UniqueFd ours(fds[0]), theirs(fds[1]);
    SF_TRY_ASSIGN(std::unique_ptr<WorkerProcess> adopted,
                  WorkerProcess::adopt(slot, socket, theirs.get(), worker_callbacks(slot)));
    std::shared_ptr<WorkerProcess> worker = std::move(adopted);
    pool_->install(slot, worker);
    net_->attach_worker(slot, std::move(ours));
    Result<worker_api::Held> reply = worker->call(worker_api::Adopt{});
    if (!reply) {
        worker->kill();
        return std::move(reply).error();
    }
    std::fprintf(stderr, "sfd: adopted worker %d (pid %d)\n", slot, worker->pid());
    std::vector<uint64_t> strays;
    {
        std::lock_guard lock(mutex_);
        for (const worker_api::HeldGuest& held : reply->guests) {
            const uint64_t id = held.id;
            const std::optional<GuestState> state = parse_guest_state(held.state);
            auto it = guests_.find(id);
            if (it == guests_.end() || it->second.info.worker != slot || !state) {
                strays.push_back(id);
                continue;
            }
            Record& record = it->second;
            record.in_worker = true;
            record.info.state = *state;
            if (held.status) record.info.exit_status = held.status;
            if (held.reason) record.info.reason = held.reason;
            record.info.console_bytes = held.console_bytes;
            record.has_output = held.console_bytes > 0;
            pool_->count_guest(slot);
            if (record.port_key) net_->bind(*record.port_key, slot);
            store_state(record);
            open_gate(id, worker);
        }
    }
    for (uint64_t id : strays) (void)worker->call(worker_api::Destroy{id});
    // The guests' connections are new: their watches are registered again.
    (void)worker->call(worker_api::ReplayWatches{});
    return ok();
}

} // namespace sf::host
