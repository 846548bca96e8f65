// superfluid toolstack: NetService, sfd's networks and their data plane.
//
// Per network: a Network (subnet, AddressPool, L2Switch), its uplink TAP
// (one switch port, the host's side: the subnet's first address), a PortPool
// of warm guest ports (MAC-locked, disabled until taken, so attaching a NIC
// costs no port creation) and an ArpResponder that answers ARP for every
// address it assigned, so ARP requests are not flooded to all guests.
//
// A guest NIC is a lease: a pool port, an address and a host-unique port key.
// The worker hosting the guest is bound to the lease (bind()) before the
// guest starts; its frames arrive on that worker's frame channel
// (net/frame_channel.h) tagged with the port key.
//
// Every lease's switch port is locked to its MAC and bound to its address
// (L2Switch::bind_address), however the lease was made: lease(), restore()
// after an sfd restart, claim() for a guest restored from a snapshot or
// migrated here. The binding is made under the service's mutex, before the
// lease is returned, so no frame of the guest is switched unbound. The
// guest's ARP and IPv4 in another station's name are dropped and counted
// (net/address_binding.h), and so are its broadcasts beyond the flood budget
// of NetServiceOptions::switch_config (net/flood_limiter.h). The ARP
// responder answers only requests that pass the binding; a forged one goes
// on to the switch, which drops and counts it. The uplink is not bound.
//
// Restart: a restarted sfd gives its surviving guests their NICs back. It
// calls reserve_keys() before it creates its networks again (so no new port
// gets a key a surviving guest's worker still tags frames with), creates the
// networks, then restore()s each surviving NIC before making new leases.
//
// Data plane: one thread waits (epoll) on every uplink TAP and every
// worker's frame channel, and switches each frame with the service's mutex
// held, so control operations never race a frame in flight. A frame from a
// worker for a port bound to another worker is dropped (counted). A frame a
// worker returns (kReturned: it reached a guest paused to migrate away) is
// kept with the port if it is addressed to the port's MAC; release() takes
// what the worker sent before it and keeps the port's returned frames for
// take_returned(), which the migration sends to the guest's new host.
// (Sending them out of the uplink instead would teach every bridge on the way
// that the client's MAC lies behind this host.)
//
// Containers: a container's NIC (lease_container) is the same kind of
// lease, whose switch port's other end is not a worker but an interface
// `eth0` in a named network namespace of its own (net/netns_tap.h): a TAP
// sfd made there and reads in the same data-plane loop as the uplinks. Its
// port is MAC-locked and address-bound like a VM's, so a container's root
// changing eth0's MAC or address only gets its frames dropped and counted;
// its ARP requests are answered by the same responder. The lease's `netns`
// is the path the container is started in (/run/netns/NAME). Namespaces
// are named sf-<home>-<network>-<port key>, <home> being the inode of sfd's
// own network namespace (in hex): network names are unique per host
// namespace, so are these, and a restarted sfd recognises its own.
//
// A warm pool of container NICs per network (NetServiceOptions::
// container_pool): namespaces with eth0 made, MAC-locked and plugged in
// (disabled), so a lease only sets eth0's address and route. A network's
// pool starts with its first container lease (networks only VMs use make no
// namespaces) and is refilled in the background. A namespace a container
// used is never given to another: release() deletes it (eth0 first) and the
// pool makes a fresh one. Warm ones are deleted with the network and when
// the service ends; leased ones outlive the service (their containers may
// run on: see restore_container).
//
// Threading: every public method may be called from any thread.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/guest_service.h"
#include "host/migration/held_frames.h"
#include "host/port_keys.h"
#include "host/worker_api.h"
#include "net/arp_responder.h"
#include "net/mac_allocator.h"
#include "net/network.h"
#include "net/network_table.h"
#include "net/port_pool.h"
#include "net/uplink_tap.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace sf::host {

struct NetServiceOptions {
    size_t pool_target = 32; // warm ports per network
    // Warm container NICs per network (namespace, eth0 and switch port made),
    // from the network's first container lease on; 0: each made when leased.
    size_t container_pool = 8;
    net::SwitchConfig switch_config{}; // every network's switch: table size, aging, guest ports' flood budget
};

struct NicLease {
    uint32_t port_key = 0;
    std::string network;
    net::MacAddress mac;
    net::Ipv4Address ip;
    net::Ipv4Address gateway;
    unsigned prefix_len = 0;
    uint32_t mask = 0;
    // A container's NIC: the network namespace (a path, /run/netns/...) whose
    // interface eth0 is this lease's switch port, configured with this
    // lease's MAC, address, prefix and default route. Empty for a VM's NIC.
    std::string netns;

    NicInfo info() const;
    // The worker's "nic" request object (see Worker::make_nic).
    worker_api::NicSpec worker_nic() const;
};

class NetService {
  public:
    static Result<std::unique_ptr<NetService>> create(NetServiceOptions options);
    ~NetService();
    NetService(const NetService&) = delete;
    NetService& operator=(const NetService&) = delete;

    Result<NetworkInfo> create_network(const CreateNetworkRequest& request);
    std::vector<NetworkInfo> list_networks() const;
    Result<NetworkInfo> network_info(const std::string& name) const;
    Result<void> remove_network(const std::string& name);

    // A NIC on `network` with address `ip` (empty: the next free one).
    // NotFound (network), InvalidArgument (ip syntax or subnet), Conflict (ip in use).
    Result<NicLease> lease(const std::string& network, const std::string& ip);
    // A container's NIC on `network` with address `ip` (empty: the next free
    // one): the lease's netns holds eth0 with its MAC, address, prefix and a
    // default route via the gateway, lo up, IPv6 off; taken from the
    // network's warm pool when one is ready (~0.05 ms), else made now (~0.7 ms). Its
    // frames flow from the moment it returns; bind() is not used for it.
    // Errors as lease(); Unavailable when the namespace cannot be made.
    Result<NicLease> lease_container(const std::string& network, const std::string& ip);
    // Frames for the lease go to / are accepted from worker `worker`.
    void bind(uint32_t port_key, int worker);
    // Gives the port and address back. Unknown keys are ignored. A
    // container's NIC: its namespace's name is deleted (after the service's
    // lock is let go) and the kernel deletes the namespace, eth0 with it,
    // once no process of the container is left in it.
    void release(uint32_t port_key);
    // The frames its worker returned for lease `port_key` (kReturned) until
    // release(), oldest first; once. Empty for unknown keys.
    HeldFrames take_returned(uint32_t port_key);
    // Puts `frame` on lease `port_key`'s port, as from its network's uplink:
    // only a frame addressed to the lease's MAC (others, and unknown keys, are
    // ignored). For frames a guest's old host kept while it moved here.
    void inject(uint32_t port_key, std::span<const uint8_t> frame);

    // Every port key handed out afterwards (to leases and to warm ports made
    // later) is > highest_used; keys <= highest_used can be restore()d.
    // Call it before create_network(): warm ports made earlier hold keys.
    void reserve_keys(uint32_t highest_used);
    // Gives back a surviving guest's lease exactly: address `ip` claimed in
    // the network's AddressPool, `mac` claimed in the host's MacAllocator, a
    // switch port locked to `mac` and enabled (a warm port holding `mac` is
    // dropped from its pool first), whose frames carry `port_key`, and its
    // ARP entry: the state lease() leaves, so bind(), frames and release()
    // work as for any lease. Errors: NotFound (network); InvalidArgument (ip
    // or mac syntax, ip outside the subnet or not a guest address, mac not
    // unicast, port_key 0); Conflict (ip in use, mac in use by a port that is
    // not warm, port_key held by a port or handed out since the service
    // started other than through reserve_keys' range). On any error nothing
    // is left claimed. Call it before new leases: a MAC the pool is making a
    // warm port with at that moment is reported as a Conflict.
    Result<NicLease> restore(const std::string& network, const std::string& mac, const std::string& ip,
                             uint32_t port_key);
    // A guest that arrives (restored from a snapshot or migrated here) keeps
    // its MAC and address: restore() with a fresh port key. The same errors,
    // but the MAC may be free or held by a warm port at any time.
    Result<NicLease> claim(const std::string& network, const std::string& mac, const std::string& ip);
    // restore() for a container that outlived an sfd: sfd attaches to eth0
    // (persistent) in its namespace again, sf-<home>-<network>-<port_key>,
    // and its frames flow again. restore()'s errors, and NotFound when the
    // namespace or its eth0 is gone, Conflict when another process holds
    // eth0. On an error the namespace is left as it was.
    Result<NicLease> restore_container(const std::string& network, const std::string& mac,
                                       const std::string& ip, uint32_t port_key);
    // Deletes the namespaces of the networks' container NICs that an earlier
    // sfd left and that were not restore_container()ed: those of containers
    // that did not survive, and its warm ones. create_network() deletes at
    // once those whose keys reserve_keys() did not keep; the rest wait for
    // this call, made once every survivor is restored (recovery does).
    void remove_unrestored();
    // Announces lease `port_key` on its network as if its guest had sent a
    // gratuitous ARP (sender = target = its address, to broadcast): every
    // bridge on the way, and the uplink's neighbours, learn where the guest
    // is now. Unknown keys are ignored.
    void announce(uint32_t port_key);

    // The sfd end of worker `worker`'s frame channel (replacing any previous one).
    void attach_worker(int worker, UniqueFd channel);
    // Closes it; the worker's ports drop frames until bound again.
    void detach_worker(int worker);

  private:
    class GuestSink;
    class TapSink;
    class ContainerSink;
    struct NetworkState;
    struct PortRecord {
        NetworkState* network = nullptr;
        net::PoolPort port;
        std::shared_ptr<GuestSink> sink;          // a VM's NIC: its worker's channel (null for a container's)
        std::shared_ptr<ContainerSink> container; // a container's NIC: its eth0 (null for a VM's)
        net::Ipv4Address ip;
        int worker = -1;
        HeldFrames returned; // kReturned frames from its worker, at most kMaxHeldFrames
    };

    NetService(NetServiceOptions options, UniqueFd epoll, UniqueFd wake, uint64_t home);
    NetworkInfo describe(const NetworkState& state) const;
    // restore()'s work; `claim_key`: port_key was not issued by this service;
    // `container`: a container's eth0, attached again (null: a VM's NIC).
    Result<NicLease> restore_lease(const std::string& network, const std::string& mac, const std::string& ip,
                                   uint32_t port_key, bool claim_key,
                                   std::shared_ptr<ContainerSink> container);
    Result<NicLease> record_lease(uint32_t key, PortRecord record);
    net::PortPool& pool_of(const PortRecord& record) const;
    // With mutex_ held: network `name`'s state, or NotFound.
    Result<NetworkState*> find_network(const std::string& name) const;
    // With mutex_ held: an address of `state`'s network, `ip` or the next free one.
    Result<net::Ipv4Address> take_address(NetworkState& state, const std::string& ip);
    std::unique_ptr<net::PortPool> make_container_pool(const std::string& network, net::L2Switch& l2_switch);
    // sf-<home>-<network>- (container_netns_prefix) and the name with a key.
    std::string container_netns_prefix(const std::string& network) const;
    std::string container_netns(const std::string& network, uint32_t key) const;
    // create_network()'s part: an earlier sfd's namespaces of `state`'s network.
    void find_unrestored(NetworkState& state);
    void free_warm_mac(net::MacAddress mac);
    void loop();
    void drain_tap(NetworkState& state);
    void drain_container(uint32_t port_key);
    // A frame a guest (a VM or a container) sent from its lease's port.
    void from_guest(PortRecord& record, std::span<const uint8_t> frame);
    static void deliver(const PortRecord& record, std::span<const uint8_t> frame);
    // True: it took a whole batch, more may be waiting.
    bool drain_worker(int worker);
    void from_tap(NetworkState& state, std::span<const uint8_t> frame);
    void from_worker(int worker, std::span<const uint8_t> packet);
    static bool addressed_to(const PortRecord& record, std::span<const uint8_t> frame);

    const NetServiceOptions options_;
    const UniqueFd epoll_;
    const UniqueFd wake_; // eventfd: stops the loop
    const uint64_t home_; // the inode of the service's network namespace (container namespaces' names)
    net::MacAllocator macs_;
    net::NetworkTable table_; // names, subnets, overlaps, addresses in use
    PortKeys keys_;           // the GuestSinks' keys
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<NetworkState>, std::less<>> networks_;
    std::unordered_map<uint32_t, NetworkState*> network_slots_; // epoll id -> network
    uint32_t next_slot_ = 0;
    std::unordered_map<uint32_t, PortRecord> ports_;
    std::unordered_map<uint32_t, HeldFrames> departed_; // released ports' returned frames, until taken
    std::map<int, UniqueFd> workers_;
    std::thread thread_;
};

} // namespace sf::host
