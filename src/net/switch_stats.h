// superfluid switch: the counters of an L2Switch and of its ports.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sf::net {

// Why the switch dropped a frame. Every drop is counted by reason, for the
// switch and (when the ingress port exists) for the ingress port.
enum class DropReason : uint8_t {
    Runt,         // shorter than an Ethernet header (14 bytes)
    Oversized,    // longer than 1514 bytes (1518 with an 802.1Q tag)
    BadSource,    // source MAC multicast, broadcast or all zeros
    Spoofed,      // source MAC is not the MAC the port is locked to
    UnknownPort,  // receive() on a port that does not exist (switch counter only)
    PortDisabled, // from a disabled port, or unicast to one
    SamePort,     // unicast to a MAC learned on the ingress port (never sent back)
    // From a port bound to an address (a guest's; see address_binding.h):
    ForgedArp,   // ARP whose sender is not the port's MAC and address
    ForgedIp,    // IPv4 whose source is not the port's address
    StackedTags, // a second VLAN tag (its contents could not be checked)
    // From a port locked to a MAC (a guest's; see flood_limiter.h):
    FloodLimited, // broadcast or multicast beyond the port's flood budget
};
constexpr size_t kDropReasonCount = 11;
static_assert(static_cast<size_t>(DropReason::FloodLimited) + 1 == kDropReasonCount);

constexpr std::string_view drop_reason_name(DropReason reason) {
    constexpr std::array<std::string_view, kDropReasonCount> kNames = {
        "runt",      "oversized",  "bad_source", "spoofed",      "unknown_port", "port_disabled",
        "same_port", "forged_arp", "forged_ip",  "stacked_tags", "flood_limited"};
    return kNames[static_cast<size_t>(reason)];
}

using DropCounters = std::array<uint64_t, kDropReasonCount>;

struct PortStats {
    uint64_t rx_frames = 0, rx_bytes = 0; // received from the port (dropped ones included)
    uint64_t tx_frames = 0, tx_bytes = 0; // delivered to the port's sink
    DropCounters rx_drops{};              // frames from this port dropped, by reason
};

struct SwitchStats {
    uint64_t frames = 0;            // receive() calls
    uint64_t unicast_forwarded = 0; // sent to the one learned port
    uint64_t flooded = 0;           // broadcast, multicast or unknown unicast
    uint64_t learned = 0;           // new MAC table entries
    uint64_t moved = 0;             // entries relearned on another port
    uint64_t aged = 0;              // entries removed by aging
    uint64_t table_full = 0;        // new source MACs not learned because the table was full
    uint64_t static_conflicts = 0;  // a port's locked MAC seen as source on another port
    DropCounters drops{};
    size_t table_size = 0; // learned + static entries now
    size_t ports = 0;
};

} // namespace sf::net
