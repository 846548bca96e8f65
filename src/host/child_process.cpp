// superfluid toolstack: starting and reaping sfd's helper processes.
#include "host/child_process.h"

#include "common/unix_socket.h"
#include "host/protocol.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace sf::host {

Result<pid_t> spawn_child(const ChildSpawn& spawn) {
    std::vector<char*> argv;
    for (const std::string& a : spawn.argv)
        argv.push_back(const_cast<char*>(a.c_str())); // posix_spawn does not write them
    argv.push_back(nullptr);
    int highest = 2;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (const ChildFd& fd : spawn.fds) {
        if (fd.parent >= 0)
            posix_spawn_file_actions_adddup2(&actions, fd.parent, fd.child);
        else
            posix_spawn_file_actions_addopen(&actions, fd.child, "/dev/null", fd.null_flags, 0);
        highest = std::max(highest, fd.child);
    }
    posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    if (spawn.unblock_signals) {
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    }
    pid_t pid = -1;
    const int rc = spawn.search_path
                       ? posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ)
                       : posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return error("cannot start {}: {}", spawn.argv.at(0), std::strerror(rc));
    return pid;
}

Result<OwnPeer> connect_own_peer(const std::string& socket, const std::string& what) {
    Result<UniqueFd> connected = connect_unix(socket, SOCK_SEQPACKET);
    if (!connected) return error(ErrorKind::Unavailable, "no {}: {}", what, connected.error().message);
    UniqueFd fd = std::move(*connected);
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
        return error("SO_PEERCRED on {}: {}", socket, std::strerror(errno));
    if (peer.uid != ::geteuid()) // never hand a channel (or a frame fd) to another user's process
        return error(ErrorKind::Unavailable, "{} belongs to uid {}, not to this sfd's", socket, peer.uid);
    wire::size_buffers(fd.get());
    return OwnPeer{std::move(fd), peer.pid};
}

std::string child_ending(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return "ended";
    if (WIFSIGNALED(status))
        return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

} // namespace sf::host
