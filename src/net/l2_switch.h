// superfluid switch: L2Switch, the learning Ethernet switch of one network.
//
// Ports are small integers (the lowest free id is reused), each with a
// PortSink. receive(port, frame, now_ns):
//   1. checks the frame: at least 14 bytes (an Ethernet header; shorter
//      Ethernet minimum frames are accepted since guests do not pad), at most
//      1514 bytes, or 1518 when the EtherType is 0x8100 (one 802.1Q tag; the
//      tag is carried through untouched, VLANs have no meaning here: networks
//      are separate switches). No FCS is expected.
//   2. drops frames whose source MAC is multicast/broadcast/zero (as Linux's
//      bridge does) and, on a port locked to a MAC, frames from any other
//      source (anti-spoofing for tenant ports);
//   3. on a port bound to an address (bind_address), drops ARP and IPv4 in
//      another station's name (address_binding.h);
//   4. on a port locked to a MAC, drops broadcast and multicast beyond the
//      port's flood budget (flood_limiter.h);
//   5. learns the source MAC on the ingress port; a MAC seen on another port
//      than before is moved there (a guest that migrated, or moved NIC);
//   6. sends unicast to the learned port, floods broadcast, multicast and
//      unknown unicast to every other enabled port; a frame never goes back
//      out of its ingress port (unicast to the ingress port is dropped).
//
// Guest ports and the uplink: a port locked to a MAC is a tenant's (a
// guest's) and is held to that MAC, to its flood budget and, once bound, to
// its address; sfd binds every guest port to its lease's address before the
// guest's first frame (host/net_service.h). A port with no address bound is
// not checked for it: the uplink (the host, and what lies behind it) and the
// ports of tests. Unknown unicast is flooded without a budget: limiting it
// would also throttle a guest's frames to a station not learned yet, e.g.
// the host's uplink before the host has sent anything.
//
// MAC table: at most `max_learned` learned entries (default 4096), kept in a
// hash table reserved at construction. Learned entries age out `aging_ns`
// after they were last seen as a source (checked on lookup and by expire()).
// When the table is full, expired entries are swept (at most once per
// aging_ns / 8), and if it is still full the new MAC is *not learned*: its
// frames are still forwarded (floods reach it), entries already learned stay
// and keep forwarding, and `table_full` counts it. So a MAC flood can neither
// grow memory nor evict real stations. A locked port's MAC is a static entry
// that never ages, does not count against the limit, and is never moved by
// frames from other ports (counted as `static_conflicts`).
//
// Ports can be added, disabled (the PortPool's warm ports: nothing in or
// out), enabled and removed at run time; removing forgets its MACs.
//
// Threading: all methods may be called from any thread; one mutex per switch
// serialises them. Sinks are called with that mutex held (see port_sink.h);
// after remove_port() returns, its sink is never called again.
#pragma once

#include "net/address_binding.h"
#include "net/flood_limiter.h"
#include "net/mac_address.h"
#include "net/port_sink.h"
#include "net/switch_stats.h"

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

namespace sf::net {

using PortId = uint32_t;

constexpr size_t kEthHeaderBytes = 14;
constexpr size_t kMaxFrameBytes = 1514;       // 1500-byte MTU + header
constexpr size_t kMaxTaggedFrameBytes = 1518; // with one 802.1Q tag

struct SwitchConfig {
    size_t max_learned = 4096;
    uint64_t aging_ns = 300'000'000'000; // 300 s, the IEEE 802.1D default
    size_t max_ports = 65536;
    // The flood budget of every port locked to a MAC (flood_limiter.h);
    // flood_per_second 0: no limit.
    uint32_t flood_burst = 200;
    uint32_t flood_per_second = 100;
};

// A port's drop counters, with what identifies it to an operator.
struct PortDrops {
    PortId port = 0;
    std::optional<MacAddress> locked_mac;
    std::optional<Ipv4Address> bound_address;
    DropCounters drops{};
};

struct PortOptions {
    std::shared_ptr<PortSink> sink;       // required
    std::optional<MacAddress> locked_mac; // if set: the only source MAC accepted
    bool enabled = true;
};

class L2Switch {
  public:
    explicit L2Switch(SwitchConfig config = {});
    L2Switch(const L2Switch&) = delete;
    L2Switch& operator=(const L2Switch&) = delete;

    // InvalidArgument without a sink or with a non-unicast locked MAC;
    // Conflict if another port is locked to the same MAC; ResourceExhausted
    // past max_ports.
    Result<PortId> add_port(PortOptions options);
    // NotFound if there is no such port.
    Result<void> remove_port(PortId port);
    Result<void> set_enabled(PortId port, bool enabled);
    // Binds a port locked to a MAC to `address`: from now on its ARP and IPv4
    // must be in the name of that MAC and address (address_binding.h).
    // Binding again replaces the address; removing the port ends it. NotFound;
    // InvalidArgument if the port is not locked to a MAC or `address` is 0.0.0.0.
    // Addresses are not checked for uniqueness: the network's AddressPool is.
    Result<void> bind_address(PortId port, Ipv4Address address);

    // Switches one frame (see the header comment). Never fails: problems are counted drops.
    void receive(PortId ingress, std::span<const uint8_t> frame, uint64_t now_ns);
    // Removes learned entries older than aging_ns; returns how many.
    size_t expire(uint64_t now_ns);

    // The port `mac` would be forwarded to now (no aging applied).
    std::optional<PortId> lookup(MacAddress mac) const;
    Result<PortStats> port_stats(PortId port) const;
    // Every port that has dropped frames, in PortId order: O(ports).
    std::vector<PortDrops> ports_with_drops() const;
    SwitchStats stats() const;

  private:
    struct Port {
        std::shared_ptr<PortSink> sink;
        std::optional<MacAddress> locked_mac;
        bool enabled = true;
        std::optional<AddressBinding> binding;
        FloodLimiter floods;
        PortStats stats;
    };
    struct Entry {
        PortId port;
        bool is_static;
        uint64_t last_seen_ns;
    };

    Port* find_port(PortId port);
    void drop(Port* port, DropReason reason);
    std::optional<DropReason> check_ingress(Port& port, std::span<const uint8_t> frame, uint64_t now_ns);
    std::optional<DropReason> check_frame(const Port& port, std::span<const uint8_t> frame) const;
    void learn(MacAddress source, PortId ingress, uint64_t now_ns);
    bool make_room(uint64_t now_ns);
    std::optional<PortId> lookup_fresh(MacAddress mac, uint64_t now_ns);
    void send(Port& port, std::span<const uint8_t> frame);
    void flood(PortId ingress, std::span<const uint8_t> frame);
    bool expired(const Entry& entry, uint64_t now_ns) const;
    size_t expire_locked(uint64_t now_ns);

    const SwitchConfig config_;
    mutable std::mutex mutex_;
    std::vector<std::optional<Port>> ports_; // index = PortId
    std::set<PortId> free_ids_;              // holes in ports_ below ports_.size()
    size_t port_count_ = 0;
    std::unordered_map<uint64_t, Entry> table_;
    size_t learned_count_ = 0; // dynamic entries in table_
    uint64_t last_sweep_ns_ = 0;
    bool swept_once_ = false;
    SwitchStats stats_;
};

} // namespace sf::net
