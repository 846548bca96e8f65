// superfluid monitor: NonBlockingFd, O_NONBLOCK on a borrowed fd for a scope.
//
// The snapshot Writer and Reader wait with poll() and do non-blocking I/O so
// that a deadline holds on sockets and pipes. They set O_NONBLOCK on the file
// description for their lifetime and put the original flags back when they go
// (the flag is shared with every holder of the description: do not use the
// fd elsewhere meanwhile). Regular files ignore the flag.
#pragma once

namespace sf::vmm::snapshot {

class NonBlockingFd {
  public:
    explicit NonBlockingFd(int fd);
    ~NonBlockingFd();
    NonBlockingFd(const NonBlockingFd&) = delete;
    NonBlockingFd& operator=(const NonBlockingFd&) = delete;

    int get() const { return fd_; }

  private:
    int fd_;
    int saved_flags_; // -1: fcntl failed, nothing to restore
};

} // namespace sf::vmm::snapshot
