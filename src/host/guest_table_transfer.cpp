// superfluid toolstack: what snapshots and migrations share in the guest
// table: marking a guest busy while it leaves, describing it, and placing a
// guest that arrives (from a file or another host) with its exact NIC lease.
#include "host/guest_table.h"

#include "common/json_fields.h"
#include "vmm/guest_memory.h"

#include <cstdio>

namespace sf::host {

const char* GuestTable::describe(Busy busy) {
    switch (busy) {
    case Busy::No: return "idle";
    case Busy::Saving: return "being saved";
    case Busy::Migrating: return "migrating";
    case Busy::Arriving: return "arriving";
    }
    return "busy";
}

Result<GuestTable::Departing> GuestTable::mark_busy(const std::string& ref, Busy what) {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(const uint64_t id, resolve(ref));
    Record& record = guests_.at(id);
    if (record.busy != Busy::No)
        return error(ErrorKind::Conflict, "guest '{}' is {}", record.info.name, describe(record.busy));
    if (!record.in_worker || (record.info.state != GuestState::Running && record.info.state != GuestState::Paused))
        return error(ErrorKind::Conflict, "guest '{}' is {}: only a running or paused guest can be {}",
                     record.info.name, to_string(record.info.state), describe(what));
    record.busy = what;
    return Departing{id, record.info.worker, record.info, record.port_key, record.info.state == GuestState::Running};
}

void GuestTable::clear_busy(uint64_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = guests_.find(id); it != guests_.end()) it->second.busy = Busy::No;
    changed_.notify_all();
}

Result<GuestDescription> GuestTable::describe_guest(const Departing& busy) const {
    GuestDescription d;
    d.name = busy.info.name;
    d.image = busy.info.image;
    d.mem_size = busy.info.mem_size;
    d.cmdline = busy.info.cmdline;
    d.store = gate_ != nullptr;
    d.source_id = busy.id;
    d.paused = !busy.was_running;
    if (busy.info.nic) {
        SF_TRY_ASSIGN(const NetworkInfo network, net_->network_info(busy.info.nic->network));
        d.nic = DescribedNic{busy.info.nic->network, network.subnet, busy.info.nic->mac, busy.info.nic->ip};
    }
    return d;
}

Result<GuestTable::Placed> GuestTable::record_arrival(const GuestDescription& d, const std::string& name) {
    SF_TRY(vmm::GuestMemory::check_size(d.mem_size));
    if (Result<uint64_t> available = memory_gauge_.available(); available && *available < options_.mem_reserve)
        return error(ErrorKind::ResourceExhausted, "not enough host memory: {} MiB available and sfd keeps {} MiB free",
                     *available >> 20, options_.mem_reserve >> 20);
    Admission admission{name, d.image, d.mem_size, d.cmdline, GuestState::Paused, Busy::Arriving, 0,
                        [&]() -> Result<std::optional<NicLease>> {
                            if (!d.nic) return std::optional<NicLease>();
                            SF_TRY_ASSIGN(NicLease lease, claim_nic(*d.nic));
                            return std::optional<NicLease>(std::move(lease));
                        }};
    Placed placed;
    {
        std::lock_guard lock(mutex_);
        // This host picks the id, as for a create: never the sender's (the
        // file's) choice, which could name an id this host has plans for.
        SF_TRY_ASSIGN(placed, admit(admission));
    }
    SF_TRY(store_record(placed));
    open_gate(placed.id, placed.process); // before the worker builds it: it registers its watches again at once
    return placed;
}

// The arriving guest's exact address, on the network of the same name and subnet here.
Result<NicLease> GuestTable::claim_nic(const DescribedNic& nic) {
    Result<NetworkInfo> network = net_->network_info(nic.network);
    if (!network)
        return error(ErrorKind::Conflict, "this host has no network '{}' (create it with subnet {})", nic.network,
                     nic.subnet);
    if (network->subnet != nic.subnet)
        return error(ErrorKind::Conflict, "network '{}' here has subnet {}, the guest's has {}", nic.network,
                     network->subnet, nic.subnet);
    Result<NicLease> lease = net_->claim(nic.network, nic.mac, nic.ip);
    if (!lease)
        return error(lease.error().kind, "the guest's address {} / {}: {}", nic.ip, nic.mac, lease.error().message);
    return lease;
}

worker_api::GuestSpec GuestTable::arrival_spec(const Placed& placed, const GuestDescription& d) const {
    return {placed.id, placed.name, d.image, d.mem_size, d.cmdline, false, gate_ != nullptr,
            placed.lease ? std::optional(placed.lease->worker_nic()) : std::nullopt};
}

Result<GuestInfo> GuestTable::settle_arrival(const Placed& placed, const std::vector<DataEntry>& data, bool paused) {
    if (records_ && !data.empty()) SF_TRY(records_->put_data(placed.id, data));
    if (placed.lease) net_->announce(placed.lease->port_key); // frames for it come here from now on
    if (!paused) SF_TRY(call_worker(placed.worker, worker_api::Resume{placed.id}));
    std::lock_guard lock(mutex_);
    auto it = guests_.find(placed.id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", placed.id);
    it->second.busy = Busy::No;
    if (it->second.info.state == GuestState::Paused && !paused) it->second.info.state = GuestState::Running;
    store_state(it->second);
    changed_.notify_all();
    return it->second.info;
}

void GuestTable::finish_departure(const Departing& busy, bool keep, bool paused) {
    clear_busy(busy.id);
    if (!keep) {
        if (Result<void> gone = destroy(std::to_string(busy.id)); !gone)
            std::fprintf(stderr, "sfd: guest %s: %s\n", busy.info.name.c_str(), gone.error().message.c_str());
        return;
    }
    if (!paused || !busy.was_running) return;
    if (Result<worker_api::GuestStatus> resumed = call_worker(busy.worker, worker_api::Resume{busy.id}); !resumed)
        std::fprintf(stderr, "sfd: guest %s could not be resumed: %s\n", busy.info.name.c_str(),
                     resumed.error().message.c_str());
}

} // namespace sf::host
