// superfluid toolstack: MigrationToken, the secret two sfd hosts share to
// move guests between them.
//
// The token never crosses the wire. Each migration connection derives its
// own secrets from it and from the handshake's transcript (both hosts' fresh
// nonces and roles, migration_handshake.h): HKDF-SHA256 with the SHA-256 of
// the transcript as salt and the token as input key material, expanded under
// one label into the sender's proof, the receiver's proof, and the two
// directions' AES-256-GCM keys and IVs. A proof is thus bound to the
// connection (both nonces) and to the role; it proves holding the token
// without revealing it. The token should be random (e.g. `head -c 32
// /dev/urandom | base64`): a host that sees a proof can test guesses of a
// weak token against it offline.
//
// Threading: immutable after load(); share it freely.
#pragma once

#include "common/result.h"
#include "vmm/snapshot/stream_cipher.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace sf::host {

// What one migration connection derives from the token and its transcript.
struct SessionSecrets {
    std::array<uint8_t, 32> sender_proof{};
    std::array<uint8_t, 32> receiver_proof{};
    vmm::snapshot::CipherKey sender_to_receiver;
    vmm::snapshot::CipherKey receiver_to_sender;
};

class MigrationToken {
  public:
    static constexpr size_t kMinBytes = 16;

    // Reads the token from `path`: its first line, at least kMinBytes bytes.
    // The file must not be readable by other users (the error says so).
    static Result<MigrationToken> load(const std::string& path);
    // A token given as text (tests). InvalidArgument if shorter than kMinBytes.
    static Result<MigrationToken> from_text(std::string text);

    // The secrets of the connection whose handshake transcript this is
    // (the same bytes on both hosts: sender's Hello, then receiver's).
    SessionSecrets derive(std::span<const uint8_t> transcript) const;

  private:
    explicit MigrationToken(std::string secret) : secret_(std::move(secret)) {}
    std::string secret_;
};

// Fills `bytes` from the system's random generator (aborts without one).
void random_bytes(std::span<uint8_t> bytes);

} // namespace sf::host
