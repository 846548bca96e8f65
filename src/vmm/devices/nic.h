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
#pragma once

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
    uint64_t rx_frames = 0;        // placed in the RX ring
    uint64_t rx_dropped_full = 0;  // RX ring full
    uint64_t rx_dropped_detached = 0; // not attached (yet, or any more)
    uint64_t rx_dropped_bad = 0;   // shorter than 14 or longer than SF_NET_FRAME_MAX bytes
    uint64_t tx_frames = 0;        // taken from the TX ring and transmitted
    uint64_t kicks = 0;            // TX drains (kick hypercalls and polls with frames)
};

using TransmitFn = std::function<void(std::span<const uint8_t> frame)>;

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

  private:
    const NicConfig config_;
    const TransmitFn transmit_;
    mutable std::mutex mutex_;
    sf_net_ring* rx_ = nullptr; // null: not attached
    sf_net_ring* tx_ = nullptr;
    uint32_t rx_head_ = 0; // ours: the next RX slot we fill
    uint32_t tx_tail_ = 0; // ours: the next TX slot we take
    NicStats stats_;
};

} // namespace sf::vmm
