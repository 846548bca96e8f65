// superfluid toolstack: running the OCI runtime's commands.
#include "host/oci/oci_runtime.h"

#include "host/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <fstream>

namespace sf::host {

std::vector<std::string> OciRuntime::command(const std::string& bundle,
                                             const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {options_.program, "--root=" + options_.root, "--log=" + log_path(bundle),
                                     "--log-format=json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Result<pid_t> OciRuntime::spawn(const std::vector<std::string>& argv, int output_fd) {
    ChildSpawn spawn{.argv = argv,
                     .fds = {ChildFd::null(0, O_RDONLY)},
                     .search_path = true,
                     // The monitor blocks SIGCHLD (it reads it from a signalfd): the runtime starts with no
                     // signal blocked.
                     .unblock_signals = true};
    for (int fd : {1, 2})
        spawn.fds.push_back(output_fd >= 0 ? ChildFd::copy(output_fd, fd) : ChildFd::null(fd, O_WRONLY));
    return spawn_child(spawn);
}

std::string describe_wait_status(int wait_status) {
    if (WIFEXITED(wait_status)) return fmt::format("exited with status {}", WEXITSTATUS(wait_status));
    if (WIFSIGNALED(wait_status)) {
        const int signal = WTERMSIG(wait_status);
        const char* name = sigabbrev_np(signal);
        return fmt::format("killed by signal {} (SIG{})", signal, name ? name : "?");
    }
    return fmt::format("ended with wait status {:#x}", wait_status);
}

std::string OciRuntime::error(const std::string& bundle, int wait_status) {
    std::ifstream log(log_path(bundle));
    std::string line, last;
    while (std::getline(log, line)) {
        const nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
        if (entry.is_object() && entry.value("level", "") == "error" && entry.contains("msg") &&
            entry["msg"].is_string())
            last = entry["msg"].get<std::string>();
        else if (!entry.is_object() && !line.empty())
            last = line;
    }
    if (!last.empty()) return last;
    return "the OCI runtime " + describe_wait_status(wait_status);
}

} // namespace sf::host
