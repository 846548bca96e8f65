// superfluid toolstack: MigrationToken, the secret two sfd hosts share to
// move guests between them.
//
// The token never crosses the wire: the receiver sends a random nonce, the
// sender answers HMAC-SHA256(token, nonce) in hex, and the receiver compares
// it with its own in constant time. (The stream itself is not encrypted: run
// migrations on a trusted management network or over a VPN.)
//
// Threading: immutable after load(); share it freely.
#pragma once

#include "common/result.h"

#include <string>
#include <string_view>

namespace sf::host {

class MigrationToken {
  public:
    static constexpr size_t kMinBytes = 16;

    // Reads the token from `path`: its first line, at least kMinBytes bytes.
    // The file must not be readable by other users (the error says so).
    static Result<MigrationToken> load(const std::string& path);
    // A token given as text (tests). InvalidArgument if shorter than kMinBytes.
    static Result<MigrationToken> from_text(std::string text);

    // 32 random bytes in hex.
    static std::string make_nonce();
    // HMAC-SHA256(token, nonce) in hex.
    std::string answer(std::string_view nonce) const;
    // Whether `answer` is this token's answer to `nonce` (constant time).
    bool accepts(std::string_view nonce, std::string_view answer) const;

  private:
    explicit MigrationToken(std::string secret) : secret_(std::move(secret)) {}
    std::string secret_;
};

} // namespace sf::host
