// superfluid toolstack: MigrationPeers, the hosts this sfd may send guests to
// (--migrate-peer HOST[:PORT], repeatable). A migration to anything else is
// refused before a connection is made: a guest's memory goes only where the
// host's administrator said it may.
//
// Matching is on the text of HOST (as given: no name is resolved) and the
// port (default 7440), so "h2" and "10.0.0.2" are different peers.
// Threading: immutable once parsed.
#pragma once

#include "common/result.h"
#include "host/migration/tcp_endpoint.h"

#include <string>
#include <vector>

namespace sf::host {

class MigrationPeers {
  public:
    static Result<MigrationPeers> parse(const std::vector<std::string>& peers);

    // ok, or PermissionDenied naming the configured peers.
    Result<void> allow(const TcpEndpoint& to) const;
    bool empty() const { return peers_.empty(); }

  private:
    std::vector<TcpEndpoint> peers_;
};

} // namespace sf::host
