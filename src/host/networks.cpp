// superfluid toolstack: the API's networks, kept in the store.
#include "host/networks.h"

#include <cstdio>

namespace sf::host {

Result<NetworkInfo> Networks::create_network(const CreateNetworkRequest& request) {
    SF_TRY_ASSIGN(NetworkInfo info, net_.create_network(request));
    if (records_)
        if (Result<void> stored = records_->put_network({info.name, info.subnet}); !stored)
            std::fprintf(stderr, "sfd: network %s: %s\n", info.name.c_str(), stored.error().message.c_str());
    return info;
}

Result<void> Networks::remove_network(const std::string& name) {
    SF_TRY(net_.remove_network(name));
    if (records_)
        if (Result<void> removed = records_->remove_network(name); !removed)
            std::fprintf(stderr, "sfd: network %s: %s\n", name.c_str(), removed.error().message.c_str());
    return ok();
}

} // namespace sf::host
