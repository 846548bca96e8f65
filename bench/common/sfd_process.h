// sf-bench: an sfd daemon started for one benchmark run, on a private socket.
//
// start() makes a private directory (mkdtemp), runs `sfd --socket DIR/sfd.sock
// ARGS...` with its stdout and stderr in DIR/sfd.log, in its own process group
// (so a Ctrl-C at the terminal reaches only sf-bench, which then cleans up) and
// with SIGTERM as its parent-death signal (so it never outlives sf-bench).
// stop() sends SIGTERM, waits up to the grace period, then SIGKILLs; the
// destructor stops it if needed and removes the directory.
//
// The process itself (spawn, stop, reap, log) is a ChildProcess.
//
// Threading: one thread at a time.
#pragma once

#include "bench/common/child_process.h"
#include "common/result.h"

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sf::bench {

class SfdProcess {
  public:
    static Result<std::unique_ptr<SfdProcess>> start(const std::string& binary,
                                                     const std::vector<std::string>& args);
    ~SfdProcess();
    SfdProcess(const SfdProcess&) = delete;
    SfdProcess& operator=(const SfdProcess&) = delete;

    const std::string& socket_path() const { return socket_path_; }
    pid_t pid() const { return child_ ? child_->pid() : -1; }

    // Waits until GET /v1/host answers; fails if sfd exits first or `timeout`
    // passes (the message then ends with the tail of sfd's log).
    Result<void> wait_ready(std::chrono::milliseconds timeout);
    // Whether sfd still runs (reaps it if not).
    bool running();
    // Stops sfd (SIGTERM, then SIGKILL after `grace`). Returns how it ended,
    // e.g. "exited with status 0", "killed by SIGKILL after 10 s".
    std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    // Whether sfd has ended with exit status 0.
    bool exited_cleanly() const;
    // The last `lines` lines of sfd's output, each prefixed "  sfd: ".
    std::string log_tail(size_t lines) const;

  private:
    SfdProcess(std::string dir, std::string binary);
    std::string describe_exit() const;

    std::string dir_, binary_, socket_path_, log_path_;
    std::unique_ptr<ChildProcess> child_; // null until started
};

} // namespace sf::bench
