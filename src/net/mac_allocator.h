// superfluid switch: MacAllocator, the guest MAC addresses of one host.
//
// Addresses are locally administered unicast, 02:TT:CC:CC:CC:CC: TT is a
// per-host tag (so two hosts given different tags never collide, which
// matters once guests migrate between them) and CC.. a 32-bit counter taken
// in order from 1, deterministically. A released address is reused only
// after the counter wraps (2^32 allocations), skipping addresses still in
// use. One allocator serves every network of the host: a MAC is unique per
// host, not only per network.
//
// claim() registers an address made elsewhere (a guest migrating in keeps
// its MAC); Conflict if it is in use here. It takes only guest addresses
// (is_guest_address: 02:TT:CC:CC:CC:CC with a counter other than 0, this
// host's tag or another's): every other address is reserved, so an arriving
// (restored or migrated) guest can never lock its port to the uplink's MAC
// (06:..., uplink_tap.cpp) and take the gateway's frames, nor to a broadcast,
// multicast or vendor address.
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include "net/mac_address.h"

#include <mutex>
#include <unordered_set>

namespace sf::net {

class MacAllocator {
  public:
    explicit MacAllocator(uint8_t host_tag = 0) : host_tag_(host_tag) {}
    MacAllocator(const MacAllocator&) = delete;
    MacAllocator& operator=(const MacAllocator&) = delete;

    // The next free address; ResourceExhausted after 2^32 - 1 in use at once.
    Result<MacAddress> allocate();
    // InvalidArgument if not a guest address (reserved); Conflict if in use.
    Result<void> claim(MacAddress mac);
    // NotFound if it was not in use.
    Result<void> release(MacAddress mac);

    // 02:TT:CC:CC:CC:CC, CC.. != 0: what some host's allocator hands out.
    static bool is_guest_address(MacAddress mac);

    bool in_use(MacAddress mac) const;
    size_t in_use_count() const;
    uint8_t host_tag() const { return host_tag_; }

  private:
    MacAddress make(uint32_t counter) const;

    const uint8_t host_tag_;
    mutable std::mutex mutex_;
    std::unordered_set<uint64_t> used_;
    uint32_t counter_ = 0; // the last value handed out
};

} // namespace sf::net
