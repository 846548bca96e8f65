// superfluid common: unix socket addresses and connections, in one place.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <sys/un.h>

#include <string>

namespace sf {

// The address of `path`; InvalidArgument when it is empty or does not fit sun_path.
Result<sockaddr_un> unix_address(const std::string& path);
// A connected unix socket of `type` (SOCK_STREAM, SOCK_SEQPACKET), close-on-exec;
// Unavailable (with the reason) when nobody accepts at `path`.
Result<UniqueFd> connect_unix(const std::string& path, int type);

} // namespace sf
