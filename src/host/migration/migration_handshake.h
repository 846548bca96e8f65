// superfluid toolstack: the migration handshake, how two sfd hosts prove to
// each other that they hold the same MigrationToken before anything of a
// guest crosses, and agree on the keys that seal the rest of the connection
// (docs/migration.md, "Handshake"; the threat model is there too).
//
// Wire (little-endian, fixed sizes, nothing else is read before the peer is
// authenticated):
//   1. both at once:      Hello {magic "SFMIGR\0\0", version, role, nonce[32]}
//   2. sender -> receiver: Proof {verdict 0, sender_proof}
//   3. receiver -> sender: Proof {verdict kAccepted, receiver_proof} or
//                          Proof {verdict kRefused, zeros} (then it closes)
// transcript = the sender's Hello then the receiver's (96 bytes); proofs and
// keys come from MigrationToken::derive(transcript). Then the snapshot stream
// (header, Host, ...) follows, sealed (vmm/snapshot/stream_cipher.h).
//
// What that refuses: a peer without the token (either side); a receiver's
// messages reflected to it (role), an old connection's messages replayed (the
// other side's fresh nonce changes every proof and key), a relay that
// substitutes or alters bytes after the handshake (it has no keys: the frames
// fail to open). The receiver reads 48 + 40 bytes before the sender proved
// itself, within `timeout` (MigrationListener bounds connections per peer).
//
// Threading: blocking calls on the caller's thread; the fd is borrowed.
#pragma once

#include "common/result.h"
#include "host/migration/migration_session.h"
#include "host/migration/migration_token.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sf::host {

inline constexpr std::array<char, 8> kHelloMagic = {'S', 'F', 'M', 'I', 'G', 'R', '\0', '\0'};
// 1 was the Challenge record answered with an HMAC in the Host record (unsealed stream).
inline constexpr uint32_t kHandshakeVersion = 2;

enum class MigrationRole : uint32_t { Sender = 1, Receiver = 2 };

struct HelloMessage {
    char magic[8];     // kHelloMagic
    uint32_t version;  // kHandshakeVersion
    uint32_t role;     // MigrationRole of the writer
    uint8_t nonce[32]; // fresh random bytes for this connection
};
static_assert(sizeof(HelloMessage) == 48);
static_assert(offsetof(HelloMessage, version) == 8);
static_assert(offsetof(HelloMessage, nonce) == 16);

struct ProofMessage {
    static constexpr uint32_t kProving = 0;  // the sender's
    static constexpr uint32_t kAccepted = 1; // the receiver's: your proof holds, here is mine
    static constexpr uint32_t kRefused = 2;  // the receiver's: your proof does not hold (proof zeros)
    uint32_t verdict;
    uint32_t reserved; // 0
    uint8_t proof[32]; // SessionSecrets::sender_proof / receiver_proof
};
static_assert(sizeof(ProofMessage) == 40);
static_assert(offsetof(ProofMessage, proof) == 8);

// The sender's side, on a connected socket. Unavailable for a receiver that
// does not speak it, refuses our proof or fails to prove itself ("... token
// ..." in the message); the guest has not been touched.
Result<MigrationSession> handshake_as_sender(int fd, const MigrationToken& token,
                                             std::chrono::milliseconds timeout);
// The receiver's side, on an accepted socket. InvalidArgument for a peer
// that is not an sfd sender or fails to prove the token.
Result<MigrationSession> handshake_as_receiver(int fd, const MigrationToken& token,
                                               std::chrono::milliseconds timeout);

} // namespace sf::host
