// superfluid toolstack: running the OCI runtime's commands.
#include "host/oci/oci_runtime.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

extern char** environ;

namespace sf::host {

std::vector<std::string> OciRuntime::command(const std::string& bundle,
                                             const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {options_.program, "--root=" + options_.root, "--log=" + log_path(bundle),
                                     "--log-format=json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Result<pid_t> OciRuntime::spawn(const std::vector<std::string>& argv, int output_fd) {
    std::vector<char*> pointers;
    for (const std::string& a : argv)
        pointers.push_back(const_cast<char*>(a.c_str()));
    pointers.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (output_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
        posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // The monitor blocks SIGCHLD (it reads it from a signalfd): the runtime starts with no signal blocked.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, pointers[0], &actions, &attributes, pointers.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return sf::error("cannot start {}: {}", argv[0], std::strerror(rc));
    return pid;
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
