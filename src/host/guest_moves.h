// superfluid toolstack: GuestMoves, what snapshots (Snapshots) and
// migrations (Migrations) share: a departing guest held busy while it
// leaves, its description, and an arriving guest placed with its exact NIC
// lease, its store subtree written and resumed.
//
// Only VMs move (VmGuests): a guest of another kind is refused with Conflict.
//
// Threading: every method from any thread.
#pragma once

#include "host/guest_registry.h"
#include "host/guest_store.h"
#include "host/migration/guest_description.h"
#include "host/net_service.h"
#include "host/vm_guests.h"

#include <string>
#include <vector>

namespace sf::host {

class GuestMoves {
  public:
    // None is owned; `records` may be null (no store).
    GuestMoves(GuestRegistry& registry, VmGuests& vms, NetService& net, GuestStore* records)
        : registry_(registry), vms_(vms), net_(net), records_(records) {}

    // A guest marked busy while it is saved or migrated away.
    struct Departing {
        GuestEntry guest; // as it was when marked
        bool was_running() const { return guest.info.state == GuestState::Running; }
    };
    // Marks a running or paused VM `ref` busy with `what` (Conflict if it is busy, in another state, or no
    // VM).
    Result<Departing> depart(const std::string& ref, Busy what);
    Result<GuestDescription> describe(const Departing& departing) const;
    // Its store subtree (data/), none without a store.
    Result<std::vector<DataEntry>> data(const Departing& departing) const;
    // After a snapshot or a migration: destroys the guest here, or (`keep`)
    // resumes it if the worker left it paused (`paused`) and it was running.
    void finish(const Departing& departing, bool keep, bool paused);

    // Places a guest arriving from a snapshot or another host: its name, an
    // id (this host's choice), a worker, its exact NIC lease, its record
    // (paused, busy "arriving") and store gate. Nothing is kept on an error,
    // nor when the Reservation is dropped unkept.
    Result<GuestRegistry::Reservation> arrive(const GuestDescription& description, const std::string& name);
    // The worker's spec of the arriving guest.
    worker_api::GuestSpec spec(const GuestRegistry::Reservation& guest,
                               const GuestDescription& description) const;
    // The arrived guest's data/ written, state recorded; resumed unless `paused`.
    Result<GuestInfo> settle(const GuestRegistry::Reservation& guest, const std::vector<DataEntry>& data,
                             bool paused);
    // Drops an arrival whose worker may have built it: the worker's copy goes, then the record.
    void drop(GuestRegistry::Reservation guest);

    VmGuests& vms() { return vms_; }
    NetService& net() { return net_; }

  private:
    Result<NicLease> claim_nic(const DescribedNic& nic);

    GuestRegistry& registry_;
    VmGuests& vms_;
    NetService& net_;
    GuestStore* records_;
};

} // namespace sf::host
