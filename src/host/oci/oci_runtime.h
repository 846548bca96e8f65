// superfluid toolstack: OciRuntime, how sfd's container monitor runs an OCI
// runtime (crun by default, runc selectable) as a command line.
//
// Every command runs as `RUNTIME --root ROOT --log BUNDLE/runtime.log
// --log-format json SUBCOMMAND ... ID`: the runtime's own state stays under
// sfd's state directory (ROOT), so several sfds never see each other's
// containers, and its error messages land in the bundle's log, not in the
// container's console. spawn() starts a command and returns at once; the
// caller reaps it (the monitor's SIGCHLD loop) and then reads error() for
// a failed one.
//
// Threading: no state of its own beyond its configuration; any thread.
#pragma once

#include "common/result.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace sf::host {

struct OciRuntimeOptions {
    std::string program = "crun"; // "crun" or "runc", or a path to one
    std::string root;             // the runtime's state directory (--root)
};

class OciRuntime {
  public:
    explicit OciRuntime(OciRuntimeOptions options) : options_(std::move(options)) {}

    // The command line of `subcommand` with its `args`, for container `id` of `bundle`.
    std::vector<std::string> command(const std::string& bundle, const std::vector<std::string>& args) const;
    // Starts `argv` with stdin from /dev/null and stdout and stderr on `output_fd`
    // (-1: /dev/null); returns its pid. `output_fd` is not closed.
    static Result<pid_t> spawn(const std::vector<std::string>& argv, int output_fd);
    // The last error the runtime logged for a command of `bundle` (runtime.log, JSON lines), or a
    // description of `wait_status` when it logged none.
    static std::string error(const std::string& bundle, int wait_status);
    // The runtime's own log of `bundle`'s commands.
    static std::string log_path(const std::string& bundle) { return bundle + "/runtime.log"; }

    const OciRuntimeOptions& options() const { return options_; }

  private:
    OciRuntimeOptions options_;
};

// "exited with status N" / "killed by signal N (SIGNAME)".
std::string describe_wait_status(int wait_status);

} // namespace sf::host
