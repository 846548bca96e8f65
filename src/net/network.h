// superfluid switch: Network, one isolated tenant network of a host.
//
// A network is a name, a subnet, the AddressPool of that subnet and its own
// L2Switch. Isolation between networks is structural: each has a separate
// switch and nothing connects two switches, so no frame, whatever its MACs,
// VLAN tag or IP addresses, can reach another network's ports.
//
// The host's side of a network (an uplink TAP named after the network, with
// the pool's host_address(), attached as one more switch port) is not made
// here: it is the daemon's, one TAP per network, never one per guest.
//
// Threading: the members are thread-safe themselves (see their headers);
// name and subnet never change.
#pragma once

#include "net/address_pool.h"
#include "net/l2_switch.h"

#include <memory>
#include <string>
#include <string_view>

namespace sf::net {

// Network names become Linux interface names (IFNAMSIZ is 16 with the NUL).
constexpr size_t kMaxNetworkNameBytes = 15;

class Network {
  public:
    // InvalidArgument for a bad name (check_name) or subnet (AddressPool::create).
    static Result<std::unique_ptr<Network>> create(std::string_view name, Ipv4Cidr subnet,
                                                   SwitchConfig switch_config = {});
    // 1 to 15 bytes of [A-Za-z0-9._-], not starting with '.' or '-'.
    static Result<void> check_name(std::string_view name);

    const std::string& name() const { return name_; }
    const Ipv4Cidr& subnet() const { return addresses_->subnet(); }
    Ipv4Address host_address() const { return addresses_->host_address(); }
    AddressPool& addresses() { return *addresses_; }
    const AddressPool& addresses() const { return *addresses_; }
    L2Switch& l2_switch() { return *switch_; }
    const L2Switch& l2_switch() const { return *switch_; }

  private:
    Network(std::string name, std::unique_ptr<AddressPool> addresses, SwitchConfig switch_config);

    const std::string name_;
    std::unique_ptr<AddressPool> addresses_;
    std::unique_ptr<L2Switch> switch_;
};

} // namespace sf::net
