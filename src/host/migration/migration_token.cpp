// superfluid toolstack: the migration token (challenge and answer).
#include "host/migration/migration_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sf::host {
namespace {

std::string to_hex(const unsigned char* bytes, size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 15];
    }
    return out;
}

} // namespace

Result<MigrationToken> MigrationToken::load(const std::string& path) {
    struct stat st{};
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
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    Result<MigrationToken> token = from_text(std::move(line));
    if (!token) return error(ErrorKind::InvalidArgument, "migration token file {}: {}", path, token.error().message);
    return token;
}

Result<MigrationToken> MigrationToken::from_text(std::string text) {
    if (text.size() < kMinBytes)
        return error(ErrorKind::InvalidArgument, "the token is {} bytes; use at least {}", text.size(), kMinBytes);
    MigrationToken token(std::move(text));
    // OpenSSL sets up its random generator and the digest on first use
    // (measured here: ~1.7 ms and ~0.2 ms): now, not in the first migration.
    (void)token.answer(make_nonce());
    return token;
}

std::string MigrationToken::make_nonce() {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort(); // no randomness: nothing safe to do
    return to_hex(bytes, sizeof bytes);
}

std::string MigrationToken::answer(std::string_view nonce) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(nonce.data()), nonce.size(), mac, &len);
    return to_hex(mac, len);
}

bool MigrationToken::accepts(std::string_view nonce, std::string_view given) const {
    const std::string expected = answer(nonce);
    return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

} // namespace sf::host
