// superfluid switch: Network.
#include "net/network.h"

namespace sf::net {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

} // namespace

Result<void> Network::check_name(std::string_view name) {
    if (name.empty()) return error(ErrorKind::InvalidArgument, "a network name cannot be empty");
    if (name.size() > kMaxNetworkNameBytes)
        return error(ErrorKind::InvalidArgument, "network name '{}' is longer than {} bytes", name,
                     kMaxNetworkNameBytes);
    for (char c : name)
        if (!name_char(c))
            return error(ErrorKind::InvalidArgument, "network name '{}' may only contain A-Z a-z 0-9 . _ -",
                         name);
    if (name[0] == '.' || name[0] == '-')
        return error(ErrorKind::InvalidArgument, "network name '{}' cannot start with '{}'", name, name[0]);
    return ok();
}

Result<std::unique_ptr<Network>> Network::create(std::string_view name, Ipv4Cidr subnet,
                                                 SwitchConfig switch_config) {
    SF_TRY(check_name(name));
    SF_TRY_ASSIGN(auto addresses, AddressPool::create(subnet));
    return std::unique_ptr<Network>(new Network(std::string(name), std::move(addresses), switch_config));
}

Network::Network(std::string name, std::unique_ptr<AddressPool> addresses, SwitchConfig switch_config)
    : name_(std::move(name)), addresses_(std::move(addresses)),
      switch_(std::make_unique<L2Switch>(switch_config)) {}

} // namespace sf::net
