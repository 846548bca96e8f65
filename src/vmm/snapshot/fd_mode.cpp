// superfluid monitor: O_NONBLOCK on a borrowed fd for a scope.
#include "vmm/snapshot/fd_mode.h"

#include <fcntl.h>

namespace sf::vmm::snapshot {

NonBlockingFd::NonBlockingFd(int fd) : fd_(fd), saved_flags_(::fcntl(fd, F_GETFL)) {
    if (saved_flags_ >= 0 && (saved_flags_ & O_NONBLOCK) == 0)
        ::fcntl(fd, F_SETFL, saved_flags_ | O_NONBLOCK);
}

NonBlockingFd::~NonBlockingFd() {
    if (saved_flags_ >= 0 && (saved_flags_ & O_NONBLOCK) == 0) ::fcntl(fd_, F_SETFL, saved_flags_);
}

} // namespace sf::vmm::snapshot
