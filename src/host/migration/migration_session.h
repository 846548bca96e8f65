// superfluid toolstack: MigrationSession, the two directions of one
// authenticated migration connection (migration_handshake.h makes it).
//
// sfd and a worker take turns on the connection (docs/migration.md): sfd
// hands the worker its keys and frame counts with the request (to_json), the
// worker continues the counts and reports where it stopped (counts), and sfd
// continues from there (continue_from). The keys travel only on the local
// sfd <-> worker socket pair; a count never goes back (a nonce is never
// reused with its key).
//
// Threading: one thread at a time (the connection's owner).
#pragma once

#include "common/result.h"
#include "vmm/snapshot/stream_cipher.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace sf::host {

class MigrationSession {
  public:
    static Result<MigrationSession> create(const vmm::snapshot::CipherKey& send,
                                           const vmm::snapshot::CipherKey& receive,
                                           uint64_t send_sequence = 0, uint64_t receive_sequence = 0);
    // {"send": {"key", "iv", "sequence"}, "receive": {...}} (hex and numbers): a worker's part.
    nlohmann::json to_json() const;
    // The same; InvalidArgument naming what is malformed.
    static Result<MigrationSession> from_json(const nlohmann::json& json);
    // {"send", "receive"}: the next frame numbers, for the worker's reply.
    nlohmann::json counts() const;
    // Continues at the counts a worker reported (its counts(); none: an error).
    Result<void> continue_from(const std::optional<nlohmann::json>& counts);

    vmm::snapshot::StreamCipher& sending() { return send_; }
    vmm::snapshot::StreamCipher& receiving() { return receive_; }

  private:
    MigrationSession(vmm::snapshot::StreamCipher send, vmm::snapshot::StreamCipher receive)
        : send_(std::move(send)), receive_(std::move(receive)) {}
    vmm::snapshot::StreamCipher send_;
    vmm::snapshot::StreamCipher receive_;
};

} // namespace sf::host
