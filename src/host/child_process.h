// superfluid toolstack: starting sfd's helper processes (sf-worker, sf-ctrmon,
// the OCI runtime) and finding one an earlier sfd left, written once.
//
// spawn_child() runs posix_spawn with the child's fds laid out as asked and
// every other fd closed; connect_own_peer() connects to a helper's socket and
// refuses one that belongs to another user; child_ending() reaps a child and
// says how it ended.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace sf::host {

// One fd the child starts with: a copy of one of ours, or /dev/null.
struct ChildFd {
    int child;      // its number in the child
    int parent;     // the fd it copies; -1: /dev/null, opened with `null_flags`
    int null_flags; // O_RDONLY or O_WRONLY

    static ChildFd copy(int parent_fd, int child_fd) { return {child_fd, parent_fd, 0}; }
    static ChildFd null(int child_fd, int flags) { return {child_fd, -1, flags}; }
};

struct ChildSpawn {
    std::vector<std::string> argv; // argv[0] is the program
    std::vector<ChildFd> fds;      // every fd above the highest one here is closed in the child
    bool search_path = false;      // look argv[0] up in PATH (posix_spawnp)
    bool unblock_signals = false;  // start with no signal blocked (the caller blocks some)
};

// The child's pid, or why it could not start.
Result<pid_t> spawn_child(const ChildSpawn& spawn);

struct OwnPeer {
    UniqueFd fd; // SOCK_SEQPACKET, its buffers sized for the wire protocol
    pid_t pid;
};

// Connects to `socket` (SOCK_SEQPACKET). Unavailable when nothing listens there (the message
// starts with "no `what`") or when the process behind it belongs to another uid.
Result<OwnPeer> connect_own_peer(const std::string& socket, const std::string& what);

// Waits for child `pid` to end: "exited with status N", "was killed by signal N (name)", or
// "ended" when it cannot be waited for.
std::string child_ending(pid_t pid);

} // namespace sf::host
