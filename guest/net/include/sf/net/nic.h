// superfluid guest networking: the NIC driver of ABI 2 (guest-only).
//
// A Nic owns the two rings of one NIC (struct sf_net_rings, 128 KiB) and
// registers them with SF_HC_NET_ATTACH. Receiving drains the RX ring without
// any exit; sending fills the TX ring, which the monitor empties on a kick()
// or on the next sf_poll() (one exit for a whole burst).
//
// Contract:
// - Give a Nic static storage (it is large and its rings must stay put once
//   attached: the monitor holds their address until the guest ends).
// - Single-threaded; attach() once before anything else.
// - Counters only grow. A frame is dropped (and counted) only when the TX ring
//   is still full after a kick, or when it is longer than SF_NET_FRAME_MAX.
#ifndef SF_NET_NIC_H
#define SF_NET_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/ring.h"

namespace sf::net {

struct NicStats {
    uint64_t rx_frames, rx_bad_len;   // received; skipped for a bad slot length
    uint64_t tx_frames, tx_drop_full; // queued; dropped (ring full after a kick, or too long)
    uint64_t kicks, kicks_when_full;  // kick hypercalls made; of which to make room
};

class Nic {
  public:
    Nic() = default;
    Nic(const Nic&) = delete;
    Nic& operator=(const Nic&) = delete;

    // Zeroes the ring indices and registers the rings for NIC `index` (one
    // hypercall). Returns 0 or the monitor's negative error (see sf_net_attach).
    int64_t attach(uint32_t index);
    bool attached() const { return attached_; }
    uint32_t index() const { return index_; }

    // True if the RX ring holds frames (no exit).
    bool rx_pending() const { return ring_pending(&rings_.rx) != 0; }
    // Hands every waiting frame (at most one ring's worth) to fn(frame, len),
    // oldest first; the frame is valid only during the call. No exit.
    template <typename Fn> uint32_t receive(Fn& fn) {
        const RingDrained d = ring_consume(&rings_.rx, SF_NET_RING_SLOTS, fn);
        stats_.rx_frames += d.frames;
        stats_.rx_bad_len += d.skipped;
        return d.frames;
    }

    // Queues one frame for sending (copied). If the ring is full, kicks once and
    // retries; false if the frame was dropped. No exit unless the ring was full.
    bool send(const uint8_t* frame, size_t len);
    // Has the monitor send what the TX ring holds (one exit), if it holds anything.
    void kick();
    // True if the TX ring holds frames the monitor has not taken yet.
    bool tx_pending() const { return tx_held() != 0; }
    // Frames in the TX ring the monitor has not taken yet.
    uint32_t tx_held() const { return SF_NET_RING_SLOTS - ring_free_slots(&rings_.tx); }

    const NicStats& stats() const { return stats_; }

  private:
    alignas(64) sf_net_rings rings_; // untouched until used: .bss is zero already
    NicStats stats_{};
    uint32_t index_ = 0;
    bool attached_ = false;
};

} // namespace sf::net

#endif // SF_NET_NIC_H
