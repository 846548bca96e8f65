// sf-bench storm --net: the storm with a NIC in every guest. A guest counts
// as created only once it answers its first ICMP echo from the host (from
// inside the private namespace), so its time is POST to 201 plus the first
// ping round trip, ARP resolution included.
#pragma once

#include "bench/common/sfd_client.h"

#include "common/result.h"

#include <cstdint>
#include <string>

namespace sf::bench {

struct StormNetOptions {
    std::string net; // network name (also the uplink TAP's name)
    std::string subnet = "10.200.0.0/16";
    int ping_interval_ms = 20; // between echo requests to a new guest
    int ping_tries = 100;
};

// Creates one guest with a NIC on o.net and pings it until it answers. On a
// ping failure the guest exists (id set) but the result is an error: the
// caller still destroys it.
struct NetCreated {
    CreatedGuest guest;
    Result<void> answered = ok();
};
Result<NetCreated> create_and_ping(SfdClient& client, const GuestRequest& request, const StormNetOptions& o);

// Neighbour table entries a storm of n guests needs in the host's kernel:
// one per guest, plus headroom.
uint64_t storm_neighbour_entries(uint64_t n);

} // namespace sf::bench
