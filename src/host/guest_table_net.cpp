// superfluid toolstack: GuestTable's networks (the NetService does the work).
#include "host/guest_table.h"

namespace sf::host {

Result<NetworkInfo> GuestTable::create_network(const CreateNetworkRequest& request) {
    return net_->create_network(request);
}

Result<std::vector<NetworkInfo>> GuestTable::list_networks() { return net_->list_networks(); }

Result<NetworkInfo> GuestTable::network_info(const std::string& name) { return net_->network_info(name); }

Result<void> GuestTable::remove_network(const std::string& name) { return net_->remove_network(name); }

} // namespace sf::host
