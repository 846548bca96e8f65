// superfluid toolstack: Networks, the API's network service (NetworkService).
// The NetService does the work; the store keeps what a restarted sfd creates
// again (host_recovery.h).
#pragma once

#include "host/guest_service.h"
#include "host/guest_store.h"
#include "host/net_service.h"

namespace sf::host {

class Networks final : public NetworkService {
  public:
    // Neither is owned; `records` may be null (no store).
    Networks(NetService& net, GuestStore* records) : net_(net), records_(records) {}

    Result<NetworkInfo> create_network(const CreateNetworkRequest& request) override;
    Result<std::vector<NetworkInfo>> list_networks() override { return net_.list_networks(); }
    Result<NetworkInfo> network_info(const std::string& name) override { return net_.network_info(name); }
    Result<void> remove_network(const std::string& name) override;

  private:
    NetService& net_;
    GuestStore* records_;
};

} // namespace sf::host
