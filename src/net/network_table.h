// superfluid switch: NetworkTable, the networks of a host by name.
//
// Refuses a second network with the same name and subnets that overlap an
// existing network's (both Conflict): the host holds the first address of
// every subnet on an uplink, so overlapping subnets would make its routing
// ambiguous. A network whose AddressPool still has guest addresses in use
// cannot be removed (Conflict).
//
// Networks are handed out as shared_ptr: one removed while a caller still
// holds it stays valid for that caller.
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include "net/network.h"

#include <map>
#include <mutex>
#include <vector>

namespace sf::net {

class NetworkTable {
  public:
    static constexpr size_t kDefaultMaxNetworks = 1024;

    explicit NetworkTable(size_t max_networks = kDefaultMaxNetworks, SwitchConfig switch_config = {})
        : max_networks_(max_networks), switch_config_(switch_config) {}

    // `subnet` as text ("10.0.0.0/24"). InvalidArgument, Conflict or ResourceExhausted.
    Result<std::shared_ptr<Network>> create(std::string_view name, std::string_view subnet);
    // NotFound; Conflict while guest addresses are in use.
    Result<void> remove(std::string_view name);
    // NotFound with the name in the message.
    Result<std::shared_ptr<Network>> find(std::string_view name) const;
    // Sorted by name.
    std::vector<std::shared_ptr<Network>> list() const;
    size_t size() const;

  private:
    const size_t max_networks_;
    const SwitchConfig switch_config_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Network>, std::less<>> networks_;
};

} // namespace sf::net
