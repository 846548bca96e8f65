// superfluid toolstack: the migration token and what a connection derives from it.
#include "host/migration/migration_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace sf::host {
namespace {

// The label of the one HKDF expansion (versioned with the handshake).
constexpr std::string_view kLabel = "superfluid migration handshake 2: proofs and keys";

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

} // namespace

Result<MigrationToken> MigrationToken::load(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return error(ErrorKind::InvalidArgument, "migration token file {}: {}", path, std::strerror(errno));
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return error(ErrorKind::InvalidArgument,
                     "migration token file {} is readable by other users (mode {:o}); chmod 600 it", path,
                     st.st_mode & 0777);
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line))
        return error(ErrorKind::InvalidArgument, "migration token file {} is empty or unreadable", path);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    Result<MigrationToken> token = from_text(std::move(line));
    if (!token)
        return error(ErrorKind::InvalidArgument, "migration token file {}: {}", path, token.error().message);
    return token;
}

Result<MigrationToken> MigrationToken::from_text(std::string text) {
    if (text.size() < kMinBytes)
        return error(ErrorKind::InvalidArgument, "the token is {} bytes; use at least {}", text.size(),
                     kMinBytes);
    MigrationToken token(std::move(text));
    // OpenSSL sets up its random generator, the KDF and AES-GCM on first use
    // (measured here: ~1.7 ms for the generator): now, not in the first migration.
    std::array<uint8_t, 96> transcript{};
    random_bytes(transcript);
    const SessionSecrets warm = token.derive(transcript);
    if (auto cipher = vmm::snapshot::StreamCipher::sealing(warm.sender_to_receiver)) {
        std::vector<uint8_t> frame;
        const iovec piece{transcript.data(), transcript.size()};
        (void)cipher->seal(std::span(&piece, 1), frame);
    }
    return token;
}

SessionSecrets MigrationToken::derive(std::span<const uint8_t> transcript) const {
    uint8_t salt[SHA256_DIGEST_LENGTH];
    SHA256(transcript.data(), transcript.size(), salt);
    SessionSecrets out;
    uint8_t okm[32 + 32 + 44 + 44];
    size_t len = sizeof okm;
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
    const bool derived =
        ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
        EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) == 1 &&
        EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt, sizeof salt) == 1 &&
        EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), reinterpret_cast<const uint8_t*>(secret_.data()),
                                   static_cast<int>(secret_.size())) == 1 &&
        EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const uint8_t*>(kLabel.data()),
                                    static_cast<int>(kLabel.size())) == 1 &&
        EVP_PKEY_derive(ctx.get(), okm, &len) == 1 && len == sizeof okm;
    if (!derived) std::abort(); // no HKDF-SHA256: nothing safe to do
    const uint8_t* at = okm;
    auto take = [&](auto& field) {
        std::memcpy(field.data(), at, field.size());
        at += field.size();
    };
    take(out.sender_proof);
    take(out.receiver_proof);
    take(out.sender_to_receiver.key);
    take(out.sender_to_receiver.iv);
    take(out.receiver_to_sender.key);
    take(out.receiver_to_sender.iv);
    OPENSSL_cleanse(okm, sizeof okm);
    return out;
}

void random_bytes(std::span<uint8_t> bytes) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        std::abort(); // no randomness: nothing safe to do
}

} // namespace sf::host
