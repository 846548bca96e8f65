// superfluid toolstack: the migration handshake.
#include "host/migration/migration_handshake.h"

#include <openssl/crypto.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf::host {
namespace {

using Clock = std::chrono::steady_clock;

// Exactly `bytes` to or from a socket before `deadline`, or an error (a peer
// that ends early, or sends nothing, is no peer).
Result<void> exchange(int fd, uint8_t* data, size_t bytes, bool sending, Clock::time_point deadline) {
    size_t done = 0;
    while (done < bytes) {
        const ssize_t n = sending ? ::send(fd, data + done, bytes - done, MSG_NOSIGNAL | MSG_DONTWAIT)
                                  : ::recv(fd, data + done, bytes - done, MSG_DONTWAIT);
        if (n > 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (n == 0)
            return error(ErrorKind::Unavailable, "the peer closed the connection during the handshake");
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return error(ErrorKind::Unavailable, "handshake: {}", std::strerror(errno));
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        pollfd ready{fd, static_cast<short>(sending ? POLLOUT : POLLIN), 0};
        if (left <= 0 || ::poll(&ready, 1, static_cast<int>(left)) == 0)
            return error(ErrorKind::Unavailable, "handshake: no answer in time");
    }
    return ok();
}

template <typename T> Result<void> send_message(int fd, const T& message, Clock::time_point deadline) {
    return exchange(fd, reinterpret_cast<uint8_t*>(const_cast<T*>(&message)), sizeof(T), true, deadline);
}

template <typename T> Result<T> receive_message(int fd, Clock::time_point deadline) {
    T message{};
    SF_TRY(exchange(fd, reinterpret_cast<uint8_t*>(&message), sizeof(T), false, deadline));
    return message;
}

HelloMessage hello(MigrationRole role) {
    HelloMessage h{};
    std::memcpy(h.magic, kHelloMagic.data(), sizeof(h.magic));
    h.version = kHandshakeVersion;
    h.role = static_cast<uint32_t>(role);
    random_bytes(h.nonce);
    return h;
}

// The peer's Hello must be an sfd's, of this version, in the other role.
Result<void> check_hello(const HelloMessage& h, MigrationRole expected) {
    if (std::memcmp(h.magic, kHelloMagic.data(), sizeof(h.magic)) != 0)
        return error(ErrorKind::InvalidArgument, "the peer is not an sfd migration {} (wrong magic)",
                     expected == MigrationRole::Sender ? "sender" : "receiver");
    if (h.version != kHandshakeVersion)
        return error(ErrorKind::InvalidArgument, "the peer speaks migration handshake {}; this sfd speaks {}",
                     h.version, kHandshakeVersion);
    if (h.role != static_cast<uint32_t>(expected))
        return error(ErrorKind::InvalidArgument,
                     "the peer's hello says role {}, not the {} (a reflected hello?)", h.role,
                     expected == MigrationRole::Sender ? "sender" : "receiver");
    return ok();
}

SessionSecrets secrets_of(const MigrationToken& token, const HelloMessage& sender,
                          const HelloMessage& receiver) {
    uint8_t transcript[2 * sizeof(HelloMessage)];
    std::memcpy(transcript, &sender, sizeof sender);
    std::memcpy(transcript + sizeof sender, &receiver, sizeof receiver);
    return token.derive(transcript);
}

bool same(const uint8_t (&given)[32], const std::array<uint8_t, 32>& expected) {
    return CRYPTO_memcmp(given, expected.data(), expected.size()) == 0;
}

} // namespace

Result<MigrationSession> handshake_as_sender(int fd, const MigrationToken& token,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const HelloMessage mine = hello(MigrationRole::Sender);
    SF_TRY(send_message(fd, mine, deadline));
    SF_TRY_ASSIGN(const HelloMessage theirs, receive_message<HelloMessage>(fd, deadline));
    if (Result<void> checked = check_hello(theirs, MigrationRole::Receiver); !checked)
        return error(ErrorKind::Unavailable, "{}", checked.error().message);
    const SessionSecrets secrets = secrets_of(token, mine, theirs);
    ProofMessage proof{ProofMessage::kProving, 0, {}};
    std::memcpy(proof.proof, secrets.sender_proof.data(), sizeof(proof.proof));
    SF_TRY(send_message(fd, proof, deadline));
    SF_TRY_ASSIGN(const ProofMessage verdict, receive_message<ProofMessage>(fd, deadline));
    if (verdict.verdict == ProofMessage::kRefused)
        return error(ErrorKind::Unavailable,
                     "the receiver refused this host's proof (not the same migration token)");
    if (verdict.verdict != ProofMessage::kAccepted || !same(verdict.proof, secrets.receiver_proof))
        return error(
            ErrorKind::Unavailable,
            "the receiver did not prove it holds the migration token (another token, or not an sfd)");
    return MigrationSession::create(secrets.sender_to_receiver, secrets.receiver_to_sender);
}

Result<MigrationSession> handshake_as_receiver(int fd, const MigrationToken& token,
                                               std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const HelloMessage mine = hello(MigrationRole::Receiver);
    SF_TRY(send_message(fd, mine, deadline));
    SF_TRY_ASSIGN(const HelloMessage theirs, receive_message<HelloMessage>(fd, deadline));
    SF_TRY(check_hello(theirs, MigrationRole::Sender));
    SF_TRY_ASSIGN(const ProofMessage proof, receive_message<ProofMessage>(fd, deadline));
    const SessionSecrets secrets = secrets_of(token, theirs, mine);
    if (proof.verdict != ProofMessage::kProving || !same(proof.proof, secrets.sender_proof)) {
        (void)send_message(fd, ProofMessage{ProofMessage::kRefused, 0, {}}, deadline);
        return error(ErrorKind::InvalidArgument, "wrong migration token (the sender's proof does not hold)");
    }
    ProofMessage answer{ProofMessage::kAccepted, 0, {}};
    std::memcpy(answer.proof, secrets.receiver_proof.data(), sizeof(answer.proof));
    SF_TRY(send_message(fd, answer, deadline));
    return MigrationSession::create(secrets.receiver_to_sender, secrets.sender_to_receiver);
}

} // namespace sf::host
