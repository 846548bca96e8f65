// superfluid toolstack: GuestTable's networks (the NetService does the work;
// the store keeps what a restarted sfd creates again).
#include "host/guest_table.h"

#include <cstdio>

namespace sf::host {

Result<NetworkInfo> GuestTable::create_network(const CreateNetworkRequest& request) {
    SF_TRY_ASSIGN(NetworkInfo info, net_->create_network(request));
    if (records_)
        if (Result<void> stored = records_->put_network({info.name, info.subnet}); !stored)
            std::fprintf(stderr, "sfd: network %s: %s\n", info.name.c_str(), stored.error().message.c_str());
    return info;
}

Result<std::vector<NetworkInfo>> GuestTable::list_networks() { return net_->list_networks(); }

Result<NetworkInfo> GuestTable::network_info(const std::string& name) { return net_->network_info(name); }

Result<void> GuestTable::remove_network(const std::string& name) {
    SF_TRY(net_->remove_network(name));
    if (records_)
        if (Result<void> removed = records_->remove_network(name); !removed)
            std::fprintf(stderr, "sfd: network %s: %s\n", name.c_str(), removed.error().message.c_str());
    return ok();
}

} // namespace sf::host
