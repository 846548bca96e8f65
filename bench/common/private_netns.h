// sf-bench: network benchmarks run inside a private network namespace made
// by scripts/testns, so that the addresses they create (sfd's uplink, the
// guests', sf-hostnet's TAP) exist only there and no test traffic ever leaves
// loopback and that namespace.
//
// A network benchmark first asks inside_testns(); when it is not, it runs
// itself again, with the same arguments, under `scripts/testns run --`
// (rerun_inside_testns) and exits with that run's status. The outer process
// stays in the host's namespace for the whole run: kernel-global settings a
// benchmark needs (the neighbour table's gc_thresh, which the namespace cannot
// even see) are raised there and restored when the inner run ends.
#pragma once

#include "common/result.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace sf::bench {

// True when SF_TESTNS names a namespace in /run/netns and this process runs in it.
bool inside_testns();

// Runs /proc/self/exe with this process's arguments under scripts/testns
// (found beside the executable as ../../scripts/testns, or at $SF_TESTNS_SCRIPT)
// and waits for it; returns its exit status. SIGINT and SIGTERM do not end
// this process meanwhile (the inner run gets them and cleans up).
Result<int> rerun_inside_testns(const char* who);

// net.ipv4.neigh.default.gc_thresh1, 2 and 3, raised while this object lives.
// These are kernel-wide (not per namespace): the host's ARP table limits.
class NeighbourTableLimits {
  public:
    // Raises them so that at least `entries` neighbours fit without garbage
    // collection (never lowers one). Needs root, in the host's namespace.
    static Result<std::unique_ptr<NeighbourTableLimits>> raise(uint64_t entries);
    // Restores the values found.
    ~NeighbourTableLimits();
    NeighbourTableLimits(const NeighbourTableLimits&) = delete;
    NeighbourTableLimits& operator=(const NeighbourTableLimits&) = delete;

    const std::array<uint64_t, 3>& old_values() const { return old_; }
    const std::array<uint64_t, 3>& new_values() const { return new_; }

  private:
    NeighbourTableLimits(std::array<uint64_t, 3> old_values, std::array<uint64_t, 3> new_values)
        : old_(old_values), new_(new_values) {}
    std::array<uint64_t, 3> old_, new_;
};

// The gc_thresh values for `entries` neighbours, given the current ones:
// thresh1 >= entries (no collection below it), thresh2 and thresh3 >= 2x.
std::array<uint64_t, 3> neighbour_limits_for(uint64_t entries, const std::array<uint64_t, 3>& current);

} // namespace sf::bench
