// superfluid tests of the containers' rootfs: helpers shared by its suites.
//
// - rootfs_dir(): the rootfs the build made (build/rootfs), SF_ROOTFS_DIR.
// - shell(): a command's stdout and stderr, through /bin/sh.
// - NetnsPair: two network namespaces of our own ("sfrootfs-<pid>-<n>-srv"
//   and "-cli") joined by a veth, kServerIp and kClientIp on it, loopback up
//   in both: the server side plays a container's namespace, the client side
//   the host beside it. Deleted, with every process left inside, on
//   destruction. Needs root.
// - Program: a program started inside a namespace with its stdout on a pipe
//   (first_line() waits for its first line); killed and reaped on destruction.
#ifndef SF_TESTS_ROOTFS_FIXTURE_H
#define SF_TESTS_ROOTFS_FIXTURE_H

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace sf::test {

inline const char* kServerIp = "10.77.0.2";
inline const char* kClientIp = "10.77.0.1";

std::string rootfs_dir();
std::string shell(const std::string& command);

class NetnsPair {
  public:
    NetnsPair();
    ~NetnsPair();
    NetnsPair(const NetnsPair&) = delete;
    NetnsPair& operator=(const NetnsPair&) = delete;

    bool ok() const { return ok_; }
    const std::string& server() const { return server_; }
    const std::string& client() const { return client_; }
    // `command` run by /bin/sh inside the client (or server) namespace: its output.
    std::string in_client(const std::string& command) const;
    std::string in_server(const std::string& command) const;

  private:
    std::string server_, client_;
    bool ok_ = false;
};

class Program {
  public:
    // Starts argv[0] with `argv` inside namespace `netns` (its /run/netns entry).
    Program(const std::string& netns, const std::vector<std::string>& argv);
    ~Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    // The first line it prints (without the newline), "" if none within `timeout_ms`.
    std::string first_line(int timeout_ms = 5000);
    // Sends `sig` and returns the wait status (-1 if it did not end within 5 s).
    int signal_and_wait(int sig);
    // The wait status once it ends, -1 if it has not within `timeout_ms`.
    int wait_for_exit(int timeout_ms);

  private:
    pid_t pid_ = -1;
    UniqueFd out_;
    std::string buffered_;
};

} // namespace sf::test

#endif // SF_TESTS_ROOTFS_FIXTURE_H
