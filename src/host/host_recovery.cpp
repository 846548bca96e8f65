// superfluid toolstack: a restarted sfd rebuilding its view from a durable
// store (host_recovery.h).
#include "host/host_recovery.h"

#include <algorithm>
#include <cstdio>

namespace sf::host {
namespace {

// The stored guests' records, each with its NIC's lease as it was: until
// the guest is destroyed, its address stays its own.
std::vector<GuestEntry> entries(const std::vector<StoredGuest>& guests, NetService& net,
                                const std::vector<GuestKind*>& kinds) {
    std::vector<GuestEntry> out;
    out.reserve(guests.size());
    for (const StoredGuest& stored : guests) {
        GuestEntry entry;
        entry.info = stored.info;
        for (GuestKind* kind : kinds) // by the kind its record names
            if (kind && kind->name() == stored.info.kind) entry.kind = kind;
        if (!entry.kind) {
            std::fprintf(stderr, "sfd: guest %s: no guest kind \"%s\" here; its record is dropped\n",
                         stored.info.name.c_str(), stored.info.kind.c_str());
            continue;
        }
        const GuestInfo& info = stored.info;
        if (info.nic && stored.port_key) {
            Result<NicLease> lease =
                net.restore(info.nic->network, info.nic->mac, info.nic->ip, *stored.port_key);
            if (lease) {
                entry.port_key = lease->port_key;
                entry.info.nic = lease->info();
            } else {
                std::fprintf(stderr, "sfd: guest %s: its NIC: %s\n", info.name.c_str(),
                             lease.error().message.c_str());
            }
        }
        out.push_back(std::move(entry));
    }
    return out;
}

} // namespace

Result<Recovered> recover_host(GuestStore& records, NetService& net, GuestRegistry& registry, VmGuests& vms,
                               ContainerGuests* containers, int max_workers) {
    SF_TRY_ASSIGN(const std::vector<StoredGuest> guests, records.guests());
    // Keys the surviving guests' frames carry must not be handed out again.
    uint32_t highest_key = 0;
    for (const StoredGuest& g : guests)
        highest_key = std::max(highest_key, g.port_key.value_or(0));
    net.reserve_keys(highest_key);
    SF_TRY_ASSIGN(const std::vector<StoredNetwork> networks, records.networks());
    for (const StoredNetwork& n : networks)
        if (Result<NetworkInfo> made = net.create_network({n.name, n.subnet}); !made)
            std::fprintf(stderr, "sfd: recovering network %s: %s\n", n.name.c_str(),
                         made.error().message.c_str());
    // Records first, so that events a worker sends once adopted find them.
    registry.recover(entries(guests, net, {&vms, containers}));
    Recovered recovered;
    recovered.guests = guests.size();
    SF_TRY_ASSIGN(const std::vector<StoredWorker> workers, records.workers());
    for (const StoredWorker& w : workers) {
        if (w.slot < 0 || w.slot >= max_workers) continue;
        Result<void> done = vms.adopt(w.slot, w.socket);
        if (!done)
            std::fprintf(stderr, "sfd: worker %d: %s\n", w.slot, done.error().message.c_str());
        else
            ++recovered.adopted;
    }
    if (containers) {
        Result<size_t> adopted = containers->adopt();
        if (!adopted)
            std::fprintf(stderr, "sfd: the container monitor: %s\n", adopted.error().message.c_str());
        else
            recovered.containers = *adopted;
    }
    recovered.lost = registry.mark_unadopted([](const GuestInfo& info) {
        if (info.kind != "vm") return fmt::format("its {} monitor was gone when sfd restarted", info.kind);
        return fmt::format("its worker process {} was gone when sfd restarted", info.worker);
    });
    std::fprintf(stderr,
                 "sfd: recovered %zu guests from the store (%zu workers adopted, %zu containers adopted, %zu "
                 "guests lost)\n",
                 recovered.guests, recovered.adopted, recovered.containers, recovered.lost);
    return recovered;
}

} // namespace sf::host
