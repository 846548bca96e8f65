// superfluid toolstack: what snapshots and migrations share: marking a guest
// busy while it leaves, describing it, and placing a guest that arrives (from
// a file or another host) with its exact NIC lease.
#include "host/guest_moves.h"

#include "vmm/guest_memory.h"

#include <cstdio>

namespace sf::host {

Result<GuestMoves::Departing> GuestMoves::depart(const std::string& ref, Busy what) {
    SF_TRY_ASSIGN(GuestEntry guest, registry_.mark_busy(ref, what));
    if (guest.kind != &vms_) {
        registry_.clear_busy(guest.info.id);
        return error(ErrorKind::Conflict, "guest '{}' is a {}: only a VM can be {}", guest.info.name,
                     guest.kind->name(), host::describe(what));
    }
    return Departing{std::move(guest)};
}

Result<GuestDescription> GuestMoves::describe(const Departing& departing) const {
    const GuestInfo& info = departing.guest.info;
    GuestDescription d;
    d.name = info.name;
    d.image = info.image;
    d.mem_size = info.mem_size;
    d.cmdline = info.cmdline;
    d.store = vms_.has_store();
    d.source_id = info.id;
    d.paused = !departing.was_running();
    if (info.nic) {
        SF_TRY_ASSIGN(const NetworkInfo network, net_.network_info(info.nic->network));
        d.nic = DescribedNic{info.nic->network, network.subnet, info.nic->mac, info.nic->ip};
    }
    return d;
}

Result<std::vector<DataEntry>> GuestMoves::data(const Departing& departing) const {
    if (!records_) return std::vector<DataEntry>();
    return records_->data(departing.guest.info.id);
}

void GuestMoves::finish(const Departing& departing, bool keep, bool paused) {
    const GuestEntry& guest = departing.guest;
    registry_.clear_busy(guest.info.id);
    if (!keep) {
        if (Result<void> gone = vms_.destroy(guest.ref());
            !gone && gone.error().kind != ErrorKind::NotFound && gone.error().kind != ErrorKind::Unavailable)
            std::fprintf(stderr, "sfd: guest %s: %s\n", guest.info.name.c_str(),
                         gone.error().message.c_str());
        (void)registry_.remove(guest.info.id);
        return;
    }
    if (!paused || !departing.was_running()) return;
    if (Result<void> resumed = vms_.change(guest.ref(), GuestChange::Resume); !resumed)
        std::fprintf(stderr, "sfd: guest %s could not be resumed: %s\n", guest.info.name.c_str(),
                     resumed.error().message.c_str());
}

Result<GuestRegistry::Reservation> GuestMoves::arrive(const GuestDescription& d, const std::string& name) {
    SF_TRY(vmm::GuestMemory::check_size(d.mem_size));
    SF_TRY(registry_.check_free_memory());
    // This host picks the id, as for a create: never the sender's (the
    // file's) choice, which could name an id this host has plans for.
    Admission admission;
    admission.kind = &vms_;
    admission.name = name;
    admission.image = d.image;
    admission.mem_size = d.mem_size;
    admission.cmdline = d.cmdline;
    admission.state = GuestState::Paused;
    admission.busy = Busy::Arriving;
    admission.nic = [&]() -> Result<std::optional<NicLease>> {
        if (!d.nic) return std::optional<NicLease>();
        SF_TRY_ASSIGN(NicLease lease, claim_nic(*d.nic));
        return std::optional<NicLease>(std::move(lease));
    };
    SF_TRY_ASSIGN(GuestRegistry::Reservation guest, registry_.admit(admission));
    SF_TRY(registry_.store(guest));
    vms_.open_gate(guest.ref()); // before the worker builds it: it registers its watches again at once
    return guest;
}

// The arriving guest's exact address, on the network of the same name and subnet here.
Result<NicLease> GuestMoves::claim_nic(const DescribedNic& nic) {
    Result<NetworkInfo> network = net_.network_info(nic.network);
    if (!network)
        return error(ErrorKind::Conflict, "this host has no network '{}' (create it with subnet {})",
                     nic.network, nic.subnet);
    if (network->subnet != nic.subnet)
        return error(ErrorKind::Conflict, "network '{}' here has subnet {}, the guest's has {}", nic.network,
                     network->subnet, nic.subnet);
    Result<NicLease> lease = net_.claim(nic.network, nic.mac, nic.ip);
    if (!lease)
        return error(lease.error().kind, "the guest's address {} / {}: {}", nic.ip, nic.mac,
                     lease.error().message);
    return lease;
}

worker_api::GuestSpec GuestMoves::spec(const GuestRegistry::Reservation& guest,
                                       const GuestDescription& d) const {
    return vms_.spec(
        {guest.ref(), guest.info.name, d.image, d.mem_size, d.cmdline, false, guest.nic, std::nullopt});
}

Result<GuestInfo> GuestMoves::settle(const GuestRegistry::Reservation& guest,
                                     const std::vector<DataEntry>& data, bool paused) {
    if (records_ && !data.empty()) SF_TRY(records_->put_data(guest.id(), data));
    if (guest.nic) net_.announce(guest.nic->port_key); // frames for it come here from now on
    if (!paused) SF_TRY(vms_.change(guest.ref(), GuestChange::Resume));
    return registry_.settle(guest.id(), paused);
}

// The worker's copy goes here; the record leaves with `guest` as this returns.
void GuestMoves::drop(GuestRegistry::Reservation guest) {
    (void)vms_.destroy(guest.ref());
}

} // namespace sf::host
