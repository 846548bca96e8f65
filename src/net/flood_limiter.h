// superfluid switch: FloodLimiter, the flood budget of one switch port.
//
// A broadcast or multicast frame is copied to every other port of its
// network. One guest sending them as fast as it can (a storm, by mistake or
// not) fills every worker's frame channel and every guest's RX ring, and the
// other guests' frames are dropped behind it. So each guest port may flood
// at most `burst` frames at once and `per_second` frames a second on
// average: a token bucket, full when the port is made, refilled with time.
// Frames beyond it are dropped (DropReason::FloodLimited).
//
// The defaults (SwitchConfig: a burst of 200, 100 frames/s) are far above
// what a guest here floods: ARP requests for addresses the ArpResponder does
// not know (3 per unresolved neighbour, a second apart), one gratuitous ARP
// when it arrives by migration, and what its application broadcasts. A
// storm at the rate a guest can send (10^5-10^6 frames/s) is cut a thousandfold
// or more. per_second 0 means no limit (the uplink's, see l2_switch.h).
//
// Time is the caller's (L2Switch::receive's now_ns), so tests step it; a time
// earlier than the latest seen adds nothing.
// Cost: O(1) integer arithmetic, no allocation. Not thread-safe: the switch's
// mutex guards it.
#pragma once

#include <cstdint>

namespace sf::net {

class FloodLimiter {
  public:
    // burst 0 is taken as 1 (a limit that never admits anything is no budget).
    FloodLimiter(uint32_t burst, uint32_t per_second);
    static FloodLimiter unlimited() { return FloodLimiter(1, 0); }

    // True if a flood at `now_ns` is within the budget; it then takes its share.
    bool admit(uint64_t now_ns);

  private:
    uint64_t cost_ns_;     // the time one frame's share takes to refill: 1 s / per_second; 0: no limit
    uint64_t capacity_ns_; // `burst` shares
    uint64_t credit_ns_;   // starts full
    uint64_t last_ns_ = 0;
};

} // namespace sf::net
