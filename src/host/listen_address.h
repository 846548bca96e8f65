// superfluid toolstack: ListenAddress, where sfd's API listens (a unix socket
// path, or TCP on an IPv4 address), and UnixSocketClaim, which makes a socket
// path safe to bind.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <string>
#include <string_view>

namespace sf::host {

struct ListenAddress {
    static constexpr const char* kDefaultSocket = "/run/superfluid/sfd.sock";

    std::string socket_path;        // non-empty: a unix socket at this path
    std::string host = "127.0.0.1"; // otherwise TCP on this IPv4 address
    int port = 0;                   // (0: any free port)

    // A path (any text containing '/') or "IPV4:PORT" (no names: sfd does not
    // resolve them). What a TCP listener needs (tokens, TLS off loopback) is
    // ApiServer's to check.
    static Result<ListenAddress> parse(std::string_view text);
    static Result<ListenAddress> unix_socket(std::string path);
    static Result<ListenAddress> loopback(int port);

    bool is_unix() const { return !socket_path.empty(); }
    bool is_loopback() const { return !is_unix() && host.starts_with("127."); }
    std::string to_string() const; // the path, or "HOST:PORT"
};

// Holds a unix socket path for one server, from before its bind until it has
// removed its socket file. claim() creates the parent directory if missing,
// takes an exclusive lock on "PATH.lock" (so two servers starting together
// cannot both pass the next check), fails if a server answers on PATH, and
// removes PATH if it is a stale socket nobody answers on. It never removes a
// file that is not a socket. The lock file is left in place (removing it
// would race with the next claimer); the lock dies with the descriptor.
class UnixSocketClaim {
  public:
    static Result<UnixSocketClaim> claim(const std::string& path);

    const std::string& path() const { return path_; }

  private:
    UnixSocketClaim(std::string path, UniqueFd lock) : path_(std::move(path)), lock_(std::move(lock)) {}

    std::string path_;
    UniqueFd lock_;
};

} // namespace sf::host
