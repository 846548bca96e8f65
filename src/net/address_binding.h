// superfluid switch: AddressBinding, the MAC and IPv4 address a guest's port
// is bound to, and the check that holds the guest to them.
//
// sfd assigns every guest its MAC and its IPv4 address, statically (guests
// have no DHCP: guest/net), so ARP or IPv4 from a guest in another station's
// name is forged: a gratuitous ARP for a neighbour's address poisons every
// ARP cache of the network, the host's included, and a forged source address
// spoofs another guest or reflects traffic at it. check() says why a frame
// from the bound port must be dropped:
//   - ARP (0x0806): ForgedArp unless it is Ethernet/IPv4 ARP (hardware type
//     1, protocol 0x0800, lengths 6 and 4, all 28 bytes present) whose sender
//     hardware address is the bound MAC and whose sender protocol address is
//     the bound address, or 0.0.0.0 in a request (an RFC 5227 probe: no
//     receiver learns a mapping from it). Other hardware types are refused
//     too: Linux also learns from IEEE 802 (type 6) ARP.
//   - IPv4 (0x0800): ForgedIp unless the header (20 bytes) is there and its
//     source is the bound address. 0.0.0.0 is refused: there is no DHCP.
//   - One 802.1Q (0x8100) or 802.1ad (0x88a8) tag is looked through: the
//     rules above apply to the EtherType inside it. A second tag is
//     StackedTags: Linux strips priority tags (VLAN 0) one after the other,
//     so stacked tags could carry a forged ARP to the host unchecked.
//   - Other EtherTypes pass: no address of theirs is assigned here (guests
//     speak IPv4 only, the uplink has IPv6 off), and a guest may use its own
//     L2 protocols with its neighbours.
// The Ethernet source MAC is not checked here: the port's MAC lock does that
// (l2_switch.h), before this check.
//
// Cost: a few loads and compares on the frame, no allocation.
// Threading: a value type; check() only reads.
#pragma once

#include "net/ipv4_address.h"
#include "net/mac_address.h"
#include "net/switch_stats.h"

#include <optional>
#include <span>

namespace sf::net {

struct AddressBinding {
    MacAddress mac;
    Ipv4Address ip;

    // Why `frame` (an Ethernet frame of at least 14 bytes) from the bound
    // port must be dropped; nullopt if it may pass.
    std::optional<DropReason> check(std::span<const uint8_t> frame) const;
};

} // namespace sf::net
