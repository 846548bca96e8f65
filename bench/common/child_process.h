// sf-bench: child programs a benchmark runs (sf-hostnet, ping, wrk).
//
// ChildProcess::start() runs a program with stdin on /dev/null, stdout and
// stderr into a log file, SIGTERM as its parent-death signal (it never
// outlives sf-bench), in its own process group (a Ctrl-C at the terminal
// reaches only sf-bench, which then stops its children in order).
// stop() sends SIGTERM, then SIGKILL after the grace period; the destructor
// stops it if it still runs. terminate() does the same and says only whether
// SIGTERM was enough, for owners (SfdProcess) that word the outcome themselves.
//
// run_command() runs a program the same way to its end and returns its output.
//
// Threading: one thread at a time per object.
#pragma once

#include "common/result.h"

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sf::bench {

class ChildProcess {
  public:
    // `name` prefixes log_tail() lines; empty means the file name of argv[0].
    static Result<std::unique_ptr<ChildProcess>> start(const std::vector<std::string>& argv,
                                                       const std::string& log_path, std::string name = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Stops it; returns how it ended ("exited with status 0", "killed by signal 9 (Killed)").
    std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(3));
    // Stops it the same way; returns false if it took SIGKILL. Then reaped.
    bool terminate(std::chrono::milliseconds grace);
    // How it ended ("exited with status 0", ...), or "is running".
    std::string describe_exit() const;
    // Whether it has ended with exit status 0.
    bool exited_cleanly() const;
    // The last `lines` lines of its log, each prefixed with "  NAME: ".
    std::string log_tail(size_t lines) const;

  private:
    ChildProcess(pid_t pid, std::string name, std::string log_path)
        : pid_(pid), name_(std::move(name)), log_path_(std::move(log_path)) {}

    pid_t pid_;
    std::string name_, log_path_;
    int status_ = 0;
    bool reaped_ = false;
};

struct CommandOutput {
    int exit_status = -1; // -1: killed by a signal (or by the timeout)
    bool timed_out = false;
    std::string output; // stdout and stderr, interleaved
};

// Runs argv[0] (searched in PATH) to its end, or kills it after `timeout`.
Result<CommandOutput> run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

} // namespace sf::bench
