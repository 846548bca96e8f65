// superfluid toolstack: the hosts guests may be migrated to.
#include "host/migration/migration_peers.h"

namespace sf::host {

Result<MigrationPeers> MigrationPeers::parse(const std::vector<std::string>& peers) {
    MigrationPeers parsed;
    for (const std::string& text : peers) {
        auto peer = TcpEndpoint::parse(text);
        if (!peer)
            return error(ErrorKind::InvalidArgument, "--migrate-peer {}: {}", text, peer.error().message);
        parsed.peers_.push_back(*peer);
    }
    return parsed;
}

Result<void> MigrationPeers::allow(const TcpEndpoint& to) const {
    for (const TcpEndpoint& peer : peers_)
        if (peer.host == to.host && peer.port == to.port) return ok();
    if (peers_.empty())
        return error(
            ErrorKind::PermissionDenied,
            "migrating to {} is refused: this sfd has no --migrate-peer (the hosts it may send guests to)",
            to.to_string());
    std::string list;
    for (const TcpEndpoint& peer : peers_)
        list += (list.empty() ? "" : ", ") + peer.to_string();
    return error(ErrorKind::PermissionDenied,
                 "migrating to {} is refused: not a --migrate-peer of this sfd ({})", to.to_string(), list);
}

} // namespace sf::host
