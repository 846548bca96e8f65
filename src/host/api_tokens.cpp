// superfluid toolstack: the API's bearer tokens, stored hashed.
#include "host/api_tokens.h"

#include "common/hex.h"
#include "common/unique_fd.h"
#include "host/create_request_parser.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <sstream>

namespace sf::host {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxFileBytes = 64 * 1024;

Result<std::string> read_token_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid() && errno == ENOENT) return std::string();
    if (!fd.valid())
        return error(ErrorKind::InvalidArgument, "token file {}: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return error(ErrorKind::InvalidArgument, "token file {} is not a regular file", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return error(ErrorKind::InvalidArgument,
                     "token file {} is open to other users (mode {:o}); chmod 600 it", path,
                     st.st_mode & 0777);
    if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes)
        return error(ErrorKind::InvalidArgument, "token file {} is larger than {} bytes", path,
                     kMaxFileBytes);
    std::string text(static_cast<size_t>(st.st_size), '\0');
    const ssize_t n = ::pread(fd.get(), text.data(), text.size(), 0);
    if (n < 0) return error(ErrorKind::InvalidArgument, "token file {}: {}", path, std::strerror(errno));
    text.resize(static_cast<size_t>(n));
    return text;
}

bool is_hex_digest(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

Result<std::vector<ApiToken>> parse_tokens(const std::string& path, const std::string& text) {
    std::vector<ApiToken> tokens;
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.empty() || line.front() == '#') continue;
        std::istringstream fields(line);
        ApiToken token;
        std::string created, extra;
        fields >> token.name >> token.sha256 >> created >> extra;
        int64_t seconds = 0;
        auto [end, ec] = std::from_chars(created.data(), created.data() + created.size(), seconds);
        if (!extra.empty() || !check_guest_name(token.name) || !is_hex_digest(token.sha256) ||
            ec != std::errc() || end != created.data() + created.size())
            return error(ErrorKind::InvalidArgument, "token file {}: line {} is not \"NAME SHA256 CREATED\"",
                         path, number);
        token.created = seconds;
        tokens.push_back(std::move(token));
    }
    return tokens;
}

std::string format_tokens(const std::vector<ApiToken>& tokens) {
    std::string text = "# sfd API tokens (sfctl token create|ls|revoke): NAME SHA256-OF-SECRET CREATED\n";
    for (const ApiToken& token : tokens)
        text += fmt::format("{} {} {}\n", token.name, token.sha256, token.created);
    return text;
}

Result<void> write_all(int fd, std::string_view text, const std::string& path) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return error("cannot write {}: {}", path, std::strerror(errno));
        text.remove_prefix(static_cast<size_t>(n));
    }
    return ok();
}

std::string new_secret() {
    unsigned char bytes[kSecretBytes];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort(); // no randomness: nothing safe to do
    return std::string(ApiTokens::kPrefix) + to_hex(bytes, sizeof bytes);
}

} // namespace

std::string sha256_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
    return to_hex(digest, len);
}

Result<std::unique_ptr<ApiTokens>> ApiTokens::open(std::string path) {
    SF_TRY_ASSIGN(const std::string text, read_token_file(path));
    SF_TRY_ASSIGN(std::vector<ApiToken> tokens, parse_tokens(path, text));
    return std::unique_ptr<ApiTokens>(new ApiTokens(std::move(path), std::move(tokens)));
}

Result<std::string> ApiTokens::create(std::string_view name) {
    if (auto bad = check_guest_name(name); !bad)
        return error(ErrorKind::InvalidArgument, "token {}", bad.error().message);
    std::lock_guard lock(mutex_);
    auto same = [&](const ApiToken& t) { return t.name == name; };
    if (std::any_of(tokens_.begin(), tokens_.end(), same))
        return error(ErrorKind::Conflict, "a token named '{}' exists (revoke it first)", name);
    if (tokens_.size() >= kMaxTokens)
        return error(ErrorKind::ResourceExhausted, "at most {} tokens", kMaxTokens);
    std::string secret = new_secret();
    std::vector<ApiToken> next = tokens_;
    next.push_back({std::string(name), sha256_hex(secret), static_cast<int64_t>(std::time(nullptr))});
    std::sort(next.begin(), next.end(), [](const ApiToken& a, const ApiToken& b) { return a.name < b.name; });
    SF_TRY(save(next));
    tokens_ = std::move(next);
    return secret;
}

Result<void> ApiTokens::revoke(std::string_view name) {
    std::lock_guard lock(mutex_);
    std::vector<ApiToken> next = tokens_;
    auto gone = std::remove_if(next.begin(), next.end(), [&](const ApiToken& t) { return t.name == name; });
    if (gone == next.end()) return error(ErrorKind::NotFound, "no token '{}'", name);
    next.erase(gone, next.end());
    SF_TRY(save(next));
    tokens_ = std::move(next);
    return ok();
}

std::vector<ApiToken> ApiTokens::list() const {
    std::lock_guard lock(mutex_);
    return tokens_;
}

std::optional<std::string> ApiTokens::verify(std::string_view secret) const {
    const std::string digest = sha256_hex(secret);
    std::lock_guard lock(mutex_);
    std::optional<std::string> found;
    for (const ApiToken& token : tokens_) // every one compared: no early exit
        if (CRYPTO_memcmp(token.sha256.data(), digest.data(), digest.size()) == 0) found = token.name;
    return found;
}

bool ApiTokens::empty() const {
    std::lock_guard lock(mutex_);
    return tokens_.empty();
}

Result<void> ApiTokens::save(const std::vector<ApiToken>& tokens) const {
    const std::string tmp = path_ + ".tmp";
    ::unlink(tmp.c_str()); // left by a crash; unlink never follows a symlink
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) return error("cannot create {}: {}", tmp, std::strerror(errno));
    Result<void> written = write_all(fd.get(), format_tokens(tokens), tmp);
    if (written && ::fsync(fd.get()) != 0) written = error("fsync {}: {}", tmp, std::strerror(errno));
    if (written && ::rename(tmp.c_str(), path_.c_str()) != 0)
        written = error("cannot rename {} to {}: {}", tmp, path_, std::strerror(errno));
    if (!written) {
        ::unlink(tmp.c_str());
        return written;
    }
    const size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.valid()) ::fsync(dir_fd.get());
    return ok();
}

} // namespace sf::host
