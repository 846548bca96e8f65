// superfluid switch: UplinkTap, the host's side of one network.
//
// A TAP device named after the network, holding the subnet's first address,
// up, with IPv6 off (so the host sends no router or neighbour solicitations
// that would be flooded to every guest). sfd reads the frames the host sends
// into the network from fd() and writes the network's frames for the host to
// it. The device is not persistent: it disappears when the UplinkTap (the
// last descriptor) goes, including when sfd dies.
//
// Needs CAP_NET_ADMIN. Threading: the fd may be read by one thread and
// written by any; nothing else changes after create().
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "net/ipv4_cidr.h"
#include "net/mac_address.h"

#include <memory>
#include <span>
#include <string>

namespace sf::net {

class UplinkTap {
  public:
    // Its MAC is derived from `name` (06:...), so a TAP made again for the same
    // network (a restarted sfd) has the same one and guests' ARP caches stay right.
    // Conflict if an interface of that name exists already; Unavailable
    // (with the reason) when the kernel refuses (no CAP_NET_ADMIN, no tun).
    static Result<std::unique_ptr<UplinkTap>> create(const std::string& name, Ipv4Address address,
                                                     const Ipv4Cidr& subnet);

    int fd() const { return fd_.get(); }
    const std::string& name() const { return name_; }
    MacAddress mac() const { return mac_; }
    // Writes one frame without blocking; false if the kernel refused it (dropped).
    bool write_frame(std::span<const uint8_t> frame) const;

  private:
    UplinkTap(UniqueFd fd, std::string name, MacAddress mac)
        : fd_(std::move(fd)), name_(std::move(name)), mac_(mac) {}
    UniqueFd fd_;
    const std::string name_;
    const MacAddress mac_;
};

} // namespace sf::net
