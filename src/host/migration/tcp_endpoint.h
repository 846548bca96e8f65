// superfluid toolstack: TCP endpoints for migrations ("HOST[:PORT]"),
// connecting with a deadline and listening.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf::host {

struct TcpEndpoint {
    static constexpr uint16_t kDefaultMigrationPort = 7440;

    std::string host; // a name or an IPv4 address
    uint16_t port = kDefaultMigrationPort;

    // "HOST" or "HOST:PORT" (PORT 1..65535); InvalidArgument otherwise.
    static Result<TcpEndpoint> parse(std::string_view text, uint16_t default_port = kDefaultMigrationPort);
    std::string to_string() const { return host + ":" + std::to_string(port); }

    // A connected, blocking socket with TCP_NODELAY, or Unavailable (refused,
    // unreachable, no answer within `timeout`).
    Result<UniqueFd> connect(std::chrono::milliseconds timeout) const;
    // A listening socket bound here (SO_REUSEADDR), close-on-exec.
    Result<UniqueFd> listen() const;
};

// The port a listening socket is bound to (for PORT 0).
Result<uint16_t> bound_port(int fd);

} // namespace sf::host
