// superfluid toolstack: a restarted sfd rebuilding its view from a durable
// store (host_recovery.h).
#include "host/host_recovery.h"

#include <algorithm>
#include <cstdio>

namespace sf::host {
namespace {

// The stored guests' records, each with its NIC's lease as it was: until
// the guest is destroyed, its address stays its own.
std::vector<GuestEntry> entries(const std::vector<StoredGuest>& guests, NetService& net, GuestKind& kind) {
    std::vector<GuestEntry> out;
    out.reserve(guests.size());
    for (const StoredGuest& stored : guests) {
        GuestEntry entry;
        entry.info = stored.info;
        entry.kind = &kind;
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
                               int max_workers) {
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
    registry.recover(entries(guests, net, vms));
    net.remove_unrestored(); // container NICs' namespaces no survivor was given back
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
    recovered.lost = registry.mark_unadopted([](const GuestInfo& info) {
        return fmt::format("its worker process {} was gone when sfd restarted", info.worker);
    });
    std::fprintf(stderr, "sfd: recovered %zu guests from the store (%zu workers adopted, %zu guests lost)\n",
                 recovered.guests, recovered.adopted, recovered.lost);
    return recovered;
}

} // namespace sf::host
