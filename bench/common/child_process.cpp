// sf-bench: child programs; see child_process.h.
#include "bench/common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

namespace sf::bench {
namespace {

std::vector<char*> argv_of(std::vector<std::string>& words) {
    std::vector<char*> argv;
    for (std::string& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    return argv;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(pid_t parent, int out_fd, const std::vector<char*>& argv) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    const char message[] = "sf-bench: cannot execute the program\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
}

Result<pid_t> spawn(std::vector<std::string> words, int out_fd) {
    std::vector<char*> argv = argv_of(words);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(parent, out_fd, argv);
    if (pid < 0) return error("fork: {}", std::strerror(errno));
    return pid;
}

std::string exit_text(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return fmt::format("was killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
    return "ended";
}

} // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::start(const std::vector<std::string>& argv,
                                                          const std::string& log_path, std::string name) {
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) return error("{}: {}", log_path, std::strerror(errno));
    auto pid = spawn(argv, log_fd);
    ::close(log_fd);
    if (!pid) return std::move(pid).error();
    if (name.empty()) name = std::filesystem::path(argv.at(0)).filename().string();
    return std::unique_ptr<ChildProcess>(new ChildProcess(*pid, std::move(name), log_path));
}

ChildProcess::~ChildProcess() {
    if (!reaped_) stop();
}

bool ChildProcess::running() {
    if (reaped_) return false;
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
    return !reaped_;
}

std::string ChildProcess::stop(std::chrono::milliseconds grace) {
    if (terminate(grace)) return describe_exit();
    return "did not stop on SIGTERM: " + describe_exit();
}

bool ChildProcess::terminate(std::chrono::milliseconds grace) {
    if (!running()) return true;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return false;
}

std::string ChildProcess::describe_exit() const {
    return reaped_ ? exit_text(status_) : "is running";
}

bool ChildProcess::exited_cleanly() const {
    return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

std::string ChildProcess::log_tail(size_t lines) const {
    std::ifstream in(log_path_);
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(std::move(line));
        if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const std::string& line : tail)
        out += fmt::format("{}  {}: {}", out.empty() ? "" : "\n", name_, line);
    return out.empty() ? fmt::format("  ({} wrote nothing)", name_) : out;
}

Result<CommandOutput> run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return error("pipe: {}", std::strerror(errno));
    auto pid = spawn(argv, pipe_fds[1]);
    ::close(pipe_fds[1]);
    if (!pid) {
        ::close(pipe_fds[0]);
        return std::move(pid).error();
    }
    CommandOutput result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd pfd{pipe_fds[0], POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
            result.timed_out = true;
            ::kill(*pid, SIGKILL);
            break;
        }
        const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.output.append(buf, static_cast<size_t>(n));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

} // namespace sf::bench
