// superfluid store: the store's listening unix socket.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <string>

namespace sf::store {

// Binds and listens on `path` (mode 0600, nonblocking, close-on-exec),
// creating its directory if missing. A
// stale socket there (nobody answers) is replaced; a live one (another
// server answers) or a file that is not a socket is an error. The socket is
// bound in a private directory and renamed into place, so it is never
// reachable with a wider mode.
Result<UniqueFd> listen_unix_socket(const std::string& path);

// Whether a server accepts connections on `path`.
bool unix_socket_answers(const std::string& path);

} // namespace sf::store
