// superfluid toolstack: GuestTable's networks (being wired in: issue 4).
#include "host/guest_table.h"

namespace sf::host {

Result<NetworkInfo> GuestTable::create_network(const CreateNetworkRequest&) {
    return error(ErrorKind::Unavailable, "networks are not wired into sfd yet");
}
Result<std::vector<NetworkInfo>> GuestTable::list_networks() { return std::vector<NetworkInfo>{}; }
Result<NetworkInfo> GuestTable::network_info(const std::string& name) {
    return error(ErrorKind::NotFound, "no network named {:?}", name);
}
Result<void> GuestTable::remove_network(const std::string& name) {
    return error(ErrorKind::NotFound, "no network named {:?}", name);
}

} // namespace sf::host
