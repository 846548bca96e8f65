// superfluid toolstack: Migrations, live migration between sfd hosts
// (docs/migration.md, "Migration"), over GuestMoves: the sender's side
// (migrate) and the receiver's (receive, MigrationListener's handler).
//
// Threading: every method from any thread.
#pragma once

#include "host/guest_moves.h"
#include "host/guest_service.h"
#include "host/migration/migration_peers.h"
#include "host/migration/migration_session.h"
#include "host/migration/migration_token.h"

#include <chrono>
#include <optional>

namespace sf::host {

struct MigrationsOptions {
    // Set: guests can be migrated to and from hosts sharing this token.
    std::optional<MigrationToken> token;
    std::chrono::milliseconds timeout{5000}; // longest wait for the other side
    MigrationPeers peers;                    // the only hosts guests may be sent to
};

class Migrations {
  public:
    Migrations(GuestMoves& moves, MigrationsOptions options) : moves_(moves), options_(std::move(options)) {}

    Result<MigrateResult> migrate(const std::string& ref, const MigrateRequest& request);
    // A migration arriving on `connection`. The listener ran the handshake:
    // the peer proved it holds the token, `session` seals the rest.
    void receive(UniqueFd connection, MigrationSession session);

  private:
    // The sender's side once the handshake authenticated the receiver; every
    // record sealed with `session` (the worker continues it for the guest
    // part); `paused`: set once the worker has paused the guest.
    Result<MigrateResult> send(const GuestMoves::Departing& departing, int connection,
                               MigrationSession& session, const std::string& to, bool& paused);
    // The receiver's side; a Reply record {"error"} goes back on failure.
    Result<GuestInfo> accept(int connection, MigrationSession& session);
    // A migration's last record, each way (held_frames.h): returns how many were sent.
    size_t forward_kept_frames(const GuestMoves::Departing& departing, int connection,
                               MigrationSession& session);
    void receive_kept_frames(const GuestRegistry::Reservation& guest, int connection,
                             MigrationSession& session);

    GuestMoves& moves_;
    const MigrationsOptions options_;
};

} // namespace sf::host
