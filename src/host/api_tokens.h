// superfluid toolstack: ApiTokens, the bearer tokens that admit a client to
// sfd's API over TCP (the unix socket, mode 0600, needs none).
//
// A token is "sft_" + 64 hex digits (32 random bytes). Only its SHA-256 is
// kept, in a text file of one line per token, "NAME SHA256HEX CREATED", where
// CREATED is seconds since the epoch; the secret is shown once, by create().
//
// Contracts:
// - open() refuses a file that is a symlink, not a regular file, or readable
//   or writable by group or others; a missing file is an empty set (the file
//   is created by the first create()).
// - Every change rewrites the whole file: "FILE.tmp" (O_EXCL, mode 0600,
//   never through a symlink), fsync, rename over FILE, fsync of the
//   directory. A crash leaves the old or the new set, never half of one.
// - verify() hashes what it is given and compares it with every stored hash
//   in constant time (CRYPTO_memcmp), so its time does not depend on which
//   bytes of a guess were right.
// - Threading: all methods may be called from many threads at once.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::host {

struct ApiToken {
    std::string name;
    std::string sha256;  // hex, of the secret
    int64_t created = 0; // seconds since the epoch
};

class ApiTokens {
  public:
    static constexpr std::string_view kPrefix = "sft_";
    static constexpr size_t kMaxTokens = 256;

    static Result<std::unique_ptr<ApiTokens>> open(std::string path);

    // A new token named `name` (letters, digits, '.', '_', '-'; at most 64):
    // returns its secret, which is not kept. Conflict if the name is taken.
    Result<std::string> create(std::string_view name);
    // NotFound if there is no such token.
    Result<void> revoke(std::string_view name);
    std::vector<ApiToken> list() const; // sorted by name; the hashes included
    // The name of the token whose secret this is; nothing if none.
    std::optional<std::string> verify(std::string_view secret) const;
    bool empty() const;
    const std::string& path() const { return path_; }

  private:
    ApiTokens(std::string path, std::vector<ApiToken> tokens)
        : path_(std::move(path)), tokens_(std::move(tokens)) {}
    Result<void> save(const std::vector<ApiToken>& tokens) const; // the caller holds mutex_

    const std::string path_;
    mutable std::mutex mutex_;
    std::vector<ApiToken> tokens_;
};

// SHA-256 of `text`, in hex.
std::string sha256_hex(std::string_view text);

} // namespace sf::host
