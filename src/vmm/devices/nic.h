// superfluid monitor: Nic, the monitor's side of one guest network interface.
//
// The guest owns two rings in its memory (abi.h, "NIC rings") and registers
// them with SF_HC_NET_ATTACH. The monitor produces into RX and consumes TX.
// It keeps its own copies of its indices (rx head, tx tail) and never trusts
// the guest's: a guest index claiming more than a ring holds, or a TX frame
// length out of range, is the guest's mistake and ends it (kick() says why).
//
// Threading:
// - deliver(), rx_pending(), stats() and detach() may be called from any
//   thread (one mutex guards the RX side and the ring pointers);
// - attach() and kick() run on the vCPU thread, inside a hypercall;
// - the owner of the guest memory calls detach() before that memory goes
//   away; afterwards deliver() drops every frame and touches nothing.
// TransmitFn is called on the vCPU thread from kick(), once per frame, with
// a span valid only during the call; it must not block.
//
// Snapshots: snapshot() and restore() save and restore the monitor's side
// (whether attached, the rings' address, our indices, the counters); the
// rings themselves are guest memory. restore() runs on a fresh Nic of a guest
// being built (before its vCPU runs); ring_range() names the rings' bytes,
// which the monitor writes from other threads (so KVM's dirty log misses
// them): a migration always resends them (Guest::save_state).
#pragma once

#include "common/result.h"
#include "superfluid/abi.h"
#include "vmm/guest_memory.h"

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>

namespace sf::vmm {

// What the host assigned to the NIC (written into the boot info's nics[i]).
struct NicConfig {
    std::array<uint8_t, 6> mac{};
    uint16_t mtu = 1500;
    uint32_t ipv4_addr = 0; // host byte order
    uint32_t ipv4_mask = 0;
    uint32_t ipv4_gw = 0;
};

struct NicStats {
    uint64_t rx_frames = 0;           // placed in the RX ring
    uint64_t rx_dropped_full = 0;     // RX ring full
    uint64_t rx_dropped_detached = 0; // not attached (yet, or any more)
    uint64_t rx_dropped_bad = 0;      // shorter than 14 or longer than SF_NET_FRAME_MAX bytes
    uint64_t tx_frames = 0;           // taken from the TX ring and transmitted
    uint64_t kicks = 0;               // TX drains (kick hypercalls and polls with frames)
};

using TransmitFn = std::function<void(std::span<const uint8_t> frame)>;

// The Nic record's payload (snapshot/format.h, Tag::Nic). Fixed width.
struct NicSnapshot {
    uint32_t index;     // the NIC's number in the guest (nics[index]); set by Guest
    uint32_t attached;  // 1: attached at rings_gpa; 0: not attached (the rest of the ring fields 0)
    uint64_t rings_gpa; // struct sf_net_rings, 64-byte aligned, inside the guest's range
    uint32_t rx_head;   // the monitor's next RX slot to fill
    uint32_t tx_tail;   // the monitor's next TX slot to take
    uint64_t rx_frames, rx_dropped_full, rx_dropped_detached, rx_dropped_bad, tx_frames, kicks;
    uint64_t reserved[2]; // 0
};
static_assert(sizeof(NicSnapshot) == 88);

class Nic {
  public:
    Nic(NicConfig config, TransmitFn transmit) : config_(config), transmit_(std::move(transmit)) {}
    Nic(const Nic&) = delete;
    Nic& operator=(const Nic&) = delete;

    const NicConfig& config() const { return config_; }

    // SF_HC_NET_ATTACH: 0, -SF_EBUSY (attached already) or -SF_EINVAL (rings
    // outside the guest's memory or not 64-byte aligned).
    int64_t attach(const GuestMemory& memory, uint64_t rings_gpa);
    bool attached() const;
    // Drains the TX ring through TransmitFn. Returns the frames sent, or the
    // reason the guest must end (a corrupt index or length).
    struct KickResult {
        uint64_t frames = 0;
        std::optional<std::string> fault;
    };
    KickResult kick();
    void detach();

    // Places one frame in the RX ring; false if it was dropped (counted).
    bool deliver(std::span<const uint8_t> frame);
    // True if the RX ring holds frames the guest has not consumed.
    bool rx_pending() const;
    NicStats stats() const;

    // The monitor's state (index 0: the Guest sets it).
    NicSnapshot snapshot() const;
    // On a fresh, detached Nic: the counters, and if the snapshot was attached,
    // attaches at rings_gpa through the checked accessor with the saved
    // indices, and publishes rx_head as the RX ring's head (the ring bytes in
    // the stream may be newer than the indices: frames after the snapshot are
    // dropped, never half-seen). Errors (nothing changed): attached already,
    // rings misplaced or outside the memory, unknown `attached` value.
    [[nodiscard]] Result<void> restore(const GuestMemory& memory, const NicSnapshot& snapshot);
    // The attached rings' bytes [gpa, gpa + len), or nullopt.
    struct RingRange {
        uint64_t gpa = 0;
        uint64_t len = 0;
    };
    std::optional<RingRange> ring_range() const;

  private:
    const NicConfig config_;
    const TransmitFn transmit_;
    mutable std::mutex mutex_;
    sf_net_ring* rx_ = nullptr; // null: not attached
    sf_net_ring* tx_ = nullptr;
    uint64_t rings_gpa_ = 0; // where rx_/tx_ are, while attached
    uint32_t rx_head_ = 0;   // ours: the next RX slot we fill
    uint32_t tx_tail_ = 0;   // ours: the next TX slot we take
    NicStats stats_;
};

} // namespace sf::vmm
