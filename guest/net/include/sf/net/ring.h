// superfluid guest networking: the NIC rings of ABI 2 (struct sf_net_ring),
// producer and consumer sides, for the guest driver and host tests.
//
// Portable (freestanding guest and host), header-only. The memory-ordering
// protocol is the ABI's (superfluid/abi.h): the producer fills a slot, then
// stores head with release; the consumer loads head with acquire, reads the
// slot, then stores tail with release. Each side writes only its own index.
//
// Contract:
// - One producer and one consumer per ring, each single-threaded; they may
//   run on different threads (or the monitor and the guest) at the same time.
// - The ring must be zeroed (or its indices equal) before first use.
// - The peer is not trusted: a consumer reads a slot's length once, skips
//   (and counts) lengths of 0 or above SF_NET_FRAME_MAX, and never reads more
//   than SF_NET_RING_SLOTS frames per call even if head claims more.
#ifndef SF_NET_RING_H
#define SF_NET_RING_H

#include <stddef.h>
#include <stdint.h>

#include "sf/string.h"
#include "superfluid/abi.h"

namespace sf::net {

inline uint32_t ring_load_acquire(const uint32_t* p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
inline void ring_store_release(uint32_t* p, uint32_t v) {
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

// Producer: slots it may fill now (0 when full). Loads the consumer's tail.
inline uint32_t ring_free_slots(const sf_net_ring* r) {
    const uint32_t held = r->head - ring_load_acquire(&r->tail);
    return held >= SF_NET_RING_SLOTS ? 0 : SF_NET_RING_SLOTS - held;
}

// Producer: copies one frame into the next slot and publishes it. False (and
// nothing written) when the ring is full or len is 0 or above SF_NET_FRAME_MAX.
inline bool ring_push(sf_net_ring* r, const uint8_t* frame, size_t len) {
    if (len == 0 || len > SF_NET_FRAME_MAX || ring_free_slots(r) == 0) return false;
    const uint32_t head = r->head; // our own index: a plain load
    sf_net_slot& s = r->slots[head % SF_NET_RING_SLOTS];
    sf_memcpy(s.frame, frame, len);
    s.len = static_cast<uint16_t>(len);
    ring_store_release(&r->head, head + 1);
    return true;
}

// Consumer: frames waiting (as the producer's head claims, capped at the slot count).
inline uint32_t ring_pending(const sf_net_ring* r) {
    const uint32_t held = ring_load_acquire(&r->head) - r->tail;
    return held > SF_NET_RING_SLOTS ? SF_NET_RING_SLOTS : held;
}

struct RingDrained {
    uint32_t frames;  // handed to the callback
    uint32_t skipped; // slots with a bad length
};

// Consumer: hands up to `max` waiting frames, oldest first, to
// fn(const uint8_t* frame, size_t len) and frees each slot after its call
// (the frame is valid only during the call). fn must not consume this ring.
template <typename Fn> RingDrained ring_consume(sf_net_ring* r, uint32_t max, Fn& fn) {
    RingDrained out{0, 0};
    uint32_t n = ring_pending(r);
    if (n > max) n = max;
    uint32_t tail = r->tail;
    for (uint32_t i = 0; i < n; ++i, ++tail) {
        const sf_net_slot& s = r->slots[tail % SF_NET_RING_SLOTS];
        const size_t len = __atomic_load_n(&s.len, __ATOMIC_RELAXED); // read once
        if (len == 0 || len > SF_NET_FRAME_MAX) {
            ++out.skipped;
        } else {
            fn(s.frame, len);
            ++out.frames;
        }
        ring_store_release(&r->tail, tail + 1);
    }
    return out;
}

} // namespace sf::net

#endif // SF_NET_RING_H
