// superfluid tests: SfstoreProcess runs build/bin/sfstore on a temporary socket; run_command runs a shell
// line.
#pragma once

#include <sys/types.h>

#include <string>

namespace sf::store::test {

struct CommandResult {
    int status = -1;    // exit code, or -1 if it did not exit normally
    std::string output; // stdout and stderr together
};

// Runs `command` with /bin/sh, collecting its output.
CommandResult run_command(const std::string& command);

class SfstoreProcess {
  public:
    // Starts `binary --socket socket extra_args` and waits for its "listening" line (ok() tells).
    SfstoreProcess(const std::string& binary, const std::string& socket, const std::string& extra_args = "");
    ~SfstoreProcess(); // SIGTERM, then reaps it

    bool ok() const { return pid_ > 0 && listening_; }
    const std::string& first_line() const { return first_line_; }
    // Sends SIGTERM and returns the exit status (-1 when it did not exit normally).
    int terminate();

  private:
    pid_t pid_ = -1;
    bool listening_ = false;
    std::string first_line_;
};

} // namespace sf::store::test
