// superfluid common: a packet on a unix socket that carries a file descriptor
// (SCM_RIGHTS). The one sender of descriptors: sfd -> worker requests
// (host/protocol.cpp), a frame channel handed to an adopted worker
// (host/fd_passing.h), guest memory handed to a sandbox (vmm/process).
#pragma once

#include "common/result.h"

#include <sys/uio.h>

#include <span>

namespace sf {

// Sends `parts` as one packet with `fd` attached (none when fd < 0), never
// raising SIGPIPE; retried on EINTR. The error is the system's message.
Result<void> send_with_fd(int socket, std::span<const iovec> parts, int fd);
// The same without waiting for room in the socket: false when there is none
// now (nothing was sent).
Result<bool> try_send_with_fd(int socket, std::span<const iovec> parts, int fd);

} // namespace sf
