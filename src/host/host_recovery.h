// superfluid toolstack: recovery, the step a restarted sfd with a durable
// store runs once before its API starts. Networks are created again, the
// recorded guests are registered again with their NIC leases, workers that
// outlived the old sfd are adopted (VmGuests::adopt) and asked what they
// hold, and every guest recorded is listed again: running on in an adopted
// worker, or crashed when its worker is gone. Containers likewise, with the
// container monitor (ContainerGuests::adopt).
#pragma once

#include "common/result.h"
#include "host/container_guests.h"
#include "host/guest_registry.h"
#include "host/guest_store.h"
#include "host/net_service.h"
#include "host/vm_guests.h"

namespace sf::host {

struct Recovered {
    size_t guests = 0;     // records found
    size_t adopted = 0;    // workers adopted
    size_t lost = 0;       // guests whose worker was gone
    size_t containers = 0; // containers adopted with the container monitor
};

// `max_workers`: slots beyond it are not adopted. `containers`: null when
// this sfd runs no containers (their records are then lost).
Result<Recovered> recover_host(GuestStore& records, NetService& net, GuestRegistry& registry, VmGuests& vms,
                               ContainerGuests* containers, int max_workers);

} // namespace sf::host
