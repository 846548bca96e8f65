// superfluid switch: ArpResponder, answers ARP requests for addresses the
// switch already knows, so they are not flooded to every guest.
//
// sfd assigns every guest's IP and MAC and locks its port to that MAC, so the
// switch knows the answer to an ARP request for any of its network's
// addresses (guests and the uplink). Flooding the request instead would wake
// every guest of the network for each new neighbour the host resolves: with
// 10,000 guests that is 10,000 wake-ups per request. (OpenStack's "ARP
// responder" and EVPN's ARP suppression do the same.) Requests for unknown
// addresses are not answered here and flood as usual.
//
// Threading: not thread-safe; the owner serialises calls.
#pragma once

#include "net/ipv4_address.h"
#include "net/mac_address.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

namespace sf::net {

constexpr size_t kArpFrameBytes = 42; // Ethernet header + ARP for IPv4

// A gratuitous ARP request from `mac` for `ip` (sender = target = ip), to
// broadcast: how a host says where an address lives now (after a migration).
std::array<uint8_t, kArpFrameBytes> gratuitous_arp(MacAddress mac, Ipv4Address ip);

class ArpResponder {
  public:
    void add(Ipv4Address ip, MacAddress mac) { table_[ip.value()] = mac; }
    void remove(Ipv4Address ip) { table_.erase(ip.value()); }
    size_t size() const { return table_.size(); }

    // The reply to `frame` if it is an ARP request (Ethernet, IPv4) for a
    // known address other than the asker's own; nullopt otherwise.
    std::optional<std::array<uint8_t, kArpFrameBytes>> answer(std::span<const uint8_t> frame) const;

  private:
    std::unordered_map<uint32_t, MacAddress> table_;
};

} // namespace sf::net
