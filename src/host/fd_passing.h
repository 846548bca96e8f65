// superfluid toolstack: handing a file descriptor to another process over a
// unix socket (SCM_RIGHTS). A restarted sfd gives a surviving worker the new
// end of its frame channel this way (WorkerProcess::adopt).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

namespace sf::host {

// Sends `fd` as one packet of one byte on `socket`.
Result<void> send_fd(int socket, int fd);
// Receives a packet sent by send_fd(); an error when the packet carries no descriptor.
Result<UniqueFd> receive_fd(int socket);

} // namespace sf::host
