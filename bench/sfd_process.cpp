// sf-bench: a private sfd; see sfd_process.h.
#include "sfd_process.h"

#include "sfd_client.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

namespace sf::bench {
namespace {

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(pid_t parent, int log_fd, const std::vector<char*>& argv) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    const char message[] = "sf-bench: cannot execute sfd\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
}

std::string temp_root() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

} // namespace

SfdProcess::SfdProcess(std::string dir, std::string binary)
    : dir_(std::move(dir)), binary_(std::move(binary)), socket_path_(dir_ + "/sfd.sock"),
      log_path_(dir_ + "/sfd.log") {}

Result<std::unique_ptr<SfdProcess>> SfdProcess::start(const std::string& binary,
                                                      const std::vector<std::string>& args) {
    if (::access(binary.c_str(), X_OK) != 0)
        return error("{}: {} (build sfd, or pass --sfd PATH or --socket PATH)", binary, std::strerror(errno));
    std::string pattern = temp_root() + "/sf-storm-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return error("mkdtemp {}: {}", pattern, std::strerror(errno));
    std::unique_ptr<SfdProcess> process(new SfdProcess(pattern, binary));
    SF_TRY(process->spawn(args));
    return process;
}

Result<void> SfdProcess::spawn(const std::vector<std::string>& args) {
    std::vector<std::string> words{binary_, "--socket", socket_path_};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) return error("{}: {}", log_path_, std::strerror(errno));
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) exec_child(parent, log_fd, argv);
    const int fork_errno = errno;
    ::close(log_fd);
    if (pid_ < 0) return error("fork: {}", std::strerror(fork_errno));
    return ok();
}

SfdProcess::~SfdProcess() {
    if (pid_ > 0 && !reaped_) stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool SfdProcess::running() {
    if (pid_ <= 0 || reaped_) return false;
    pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
    return !reaped_;
}

Result<void> SfdProcess::wait_ready(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    SfdClient client(socket_path_);
    std::string last_error = "no answer";
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running())
            return error("{} {} before answering GET /v1/host\n{}", binary_, describe_exit(), log_tail(10));
        if (std::filesystem::exists(socket_path_)) {
            auto host = client.host();
            if (host) return ok();
            last_error = host.error().message;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return error("{} did not answer GET /v1/host on {} within {} ms ({})\n{}", binary_, socket_path_,
                 timeout.count(), last_error, log_tail(10));
}

std::string SfdProcess::stop(std::chrono::milliseconds grace) {
    if (!running()) return describe_exit();
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return describe_exit();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return fmt::format("did not stop within {} ms of SIGTERM: {}", grace.count(), describe_exit());
}

bool SfdProcess::exited_cleanly() const {
    return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

std::string SfdProcess::describe_exit() const {
    if (!reaped_) return "is running";
    if (WIFEXITED(status_)) return fmt::format("exited with status {}", WEXITSTATUS(status_));
    if (WIFSIGNALED(status_))
        return fmt::format("was killed by signal {} ({})", WTERMSIG(status_), ::strsignal(WTERMSIG(status_)));
    return "ended";
}

std::string SfdProcess::log_tail(size_t lines) const {
    std::ifstream in(log_path_);
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(std::move(line));
        if (tail.size() > lines) tail.pop_front();
    }
    std::string out;
    for (const std::string& line : tail)
        out += (out.empty() ? "  sfd: " : "\n  sfd: ") + line;
    return out.empty() ? "  (sfd wrote nothing)" : out;
}

} // namespace sf::bench
