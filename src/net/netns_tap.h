// superfluid switch: NetnsTap, a container NIC's two ends: the interface
// `eth0` inside a named network namespace (named_netns.h), and the descriptor
// sfd's switch reads that interface's frames from and writes frames to.
//
// eth0 is a TAP device made inside the namespace (no `ip`, no veth, no
// netlink: one thread joins the namespace, opens /dev/net/tun there and
// configures with ioctls), so there is nothing of it in sfd's own namespace:
// the container sees an Ethernet interface, sfd holds its other end as a
// descriptor it reads in its data-plane epoll loop like an uplink TAP's.
//
// create() makes the namespace and eth0 with its MAC, up, lo up, IPv6 off
// everywhere in the namespace (no router or neighbour solicitations), no
// IPv4 address yet: what a warm pool holds. configure() gives eth0 its
// address, prefix and a default route through the gateway (through a
// socket made inside the namespace, kept until then: no namespace switch on
// the lease's path).
//
// eth0 is persistent (TUNSETPERSIST): if sfd dies, the interface stays in the
// container's namespace with its address and routes (carrier down, frames
// dropped) and a restarted sfd attach()es to it again by name, so the
// container keeps its interface and its connections' addresses.
//
// Lifetime: the destructor closes sfd's end and deletes the namespace's
// name, unless keep() was called (an sfd stopping while its container runs
// on). The namespace ends once no process of the container is left in it,
// and the kernel deletes eth0 with it, in the background: deleting eth0
// first would cost ~25 ms of unregister_netdevice on the caller's thread
// (measured), the namespace's name ~0.2 ms. A namespace a container used is
// never given to another one.
//
// Needs CAP_NET_ADMIN and CAP_SYS_ADMIN. Threading: write_frame() and fd()
// from any thread; the rest from one thread at a time.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "net/ipv4_address.h"
#include "net/mac_address.h"

#include <memory>
#include <span>
#include <string>

namespace sf::net {

class NetnsTap {
  public:
    static constexpr const char* kInterface = "eth0";

    // A new namespace `netns` holding eth0 with MAC `mac` (see above).
    // Conflict if the name exists; Unavailable with the reason otherwise.
    static Result<std::unique_ptr<NetnsTap>> create(const std::string& netns, MacAddress mac);
    // The descriptor of eth0 in existing namespace `netns` (made by create()
    // in an earlier sfd). NotFound if the namespace or its eth0 is gone;
    // Conflict if another process holds eth0 still.
    static Result<std::unique_ptr<NetnsTap>> attach(const std::string& netns);
    ~NetnsTap();
    NetnsTap(const NetnsTap&) = delete;
    NetnsTap& operator=(const NetnsTap&) = delete;

    // eth0 gets `ip` with `mask` and a default route via `gateway`. Once, on
    // a NetnsTap from create(); Conflict afterwards or after attach().
    Result<void> configure(Ipv4Address ip, uint32_t mask, Ipv4Address gateway);
    // Leaves eth0 and the namespace in place when this object goes.
    void keep() { keep_ = true; }

    int fd() const { return tap_.get(); }
    const std::string& netns() const { return netns_; }
    // /run/netns/NAME: what the container joins.
    std::string path() const;
    // Writes one frame without blocking; false if the kernel refused it (dropped).
    bool write_frame(std::span<const uint8_t> frame) const;

  private:
    NetnsTap(std::string netns, UniqueFd tap, UniqueFd control)
        : netns_(std::move(netns)), tap_(std::move(tap)), control_(std::move(control)) {}

    const std::string netns_;
    UniqueFd tap_;
    UniqueFd control_; // an AF_INET socket inside the namespace, until configure()
    bool keep_ = false;
};

} // namespace sf::net
