// sf-bench storm --kind container: the bare runtime's baseline; see bare_runtime.h.
#include "bench/storm/bare_runtime.h"

#include "bench/common/child_process.h"
#include "host/oci/oci_bundle.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace sf::bench {
namespace {

using nlohmann::json;

// sfd's own config for a container of the storm's rootfs (src/host/oci/oci_bundle.h), left in the
// runtime's default cgroup.
Result<json> bare_config(const BareRuntimeOptions& o) {
    SF_TRY_ASSIGN(json config, host::rootfs_config(o.rootfs, {.hostname = "bare",
                                                              .args = o.args,
                                                              .mem_limit = o.mem_bytes,
                                                              .pids_limit = 1024,
                                                              .netns = "",
                                                              .cgroups_path = "",
                                                              .uid_base = BareRuntime::kUidBase,
                                                              .id_count = 65536}));
    config["linux"].erase("cgroupsPath");
    return config;
}

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// What is in a non-blocking pipe now, as one line (the runtime's error text).
std::string drain_line(int fd) {
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<size_t>(got));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    for (char& c : text)
        if (c == '\n') c = ' ';
    return text.empty() ? "(no error text)" : text;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
    return "ended";
}

struct Pipe {
    UniqueFd read, write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return error("pipe2: {}", std::strerror(errno));
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The runtime process of one `run --detach`: spawned with its stdio on the
// pipes, watched through a pidfd, reaped (killed first if still running) on
// destruction.
class RuntimeProcess {
  public:
    static Result<RuntimeProcess> spawn(const std::vector<std::string>& argv, int out, int err) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out, 1);
        posix_spawn_file_actions_adddup2(&actions, err, 2);
        std::vector<char*> args;
        for (const std::string& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        pid_t pid = 0;
        const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) return error("cannot run {}: {}", argv[0], std::strerror(rc));
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pidfd < 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return error("pidfd_open: {}", std::strerror(errno));
        }
        return RuntimeProcess(pid, UniqueFd(pidfd));
    }
    RuntimeProcess(RuntimeProcess&& other) noexcept
        : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)), status_(other.status_) {}
    RuntimeProcess& operator=(RuntimeProcess&&) = delete;
    RuntimeProcess(const RuntimeProcess&) = delete;
    RuntimeProcess& operator=(const RuntimeProcess&) = delete;
    ~RuntimeProcess() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    int pidfd() const { return pidfd_.get(); }
    // After the pidfd is readable: reaps it and returns its wait status.
    int reap() {
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
        return status_;
    }

  private:
    RuntimeProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    pid_t pid_;
    UniqueFd pidfd_;
    int status_ = 0;
};

// Waits for both the first stdout byte and the runtime's exit; fills `run`.
void watch(RuntimeProcess& process, int out, int err, std::chrono::steady_clock::time_point start,
           std::chrono::milliseconds timeout, BareRun& run) {
    bool output = false, exited = false, hung_up = false;
    int status = 0;
    while (!(exited && (output || hung_up))) {
        const double left = static_cast<double>(timeout.count()) - ms_since(start);
        if (left <= 0) {
            run.error =
                exited ? "no output before the timeout" : "the runtime did not return before the timeout";
            return;
        }
        pollfd fds[2];
        nfds_t count = 0;
        pollfd* out_fd = nullptr;
        pollfd* exit_fd = nullptr;
        if (!output && !hung_up) out_fd = &(fds[count++] = pollfd{out, POLLIN, 0});
        if (!exited) exit_fd = &(fds[count++] = pollfd{process.pidfd(), POLLIN, 0});
        if (::poll(fds, count, static_cast<int>(left) + 1) < 0 && errno != EINTR) {
            run.error = fmt::format("poll: {}", std::strerror(errno));
            return;
        }
        if (out_fd != nullptr && (out_fd->revents & POLLIN)) {
            run.first_output_ms = ms_since(start);
            output = true;
        } else if (out_fd != nullptr && (out_fd->revents & (POLLHUP | POLLERR))) {
            hung_up = true;
        }
        if (exit_fd != nullptr && (exit_fd->revents & POLLIN)) {
            status = process.reap();
            exited = true;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        run.error = fmt::format("{} ({})", describe_status(status), drain_line(err));
    else if (!output)
        run.error = "the container wrote nothing before its output was closed";
    else
        run.ok = true;
}

} // namespace

Result<std::unique_ptr<BareRuntime>> BareRuntime::create(BareRuntimeOptions options) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/sf-bench-bundle-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return error("mkdtemp {}: {}", dir, std::strerror(errno));
    std::unique_ptr<BareRuntime> runtime(new BareRuntime(std::move(options), dir));
    int subreaper = 0;
    if (::prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0 && subreaper == 0 &&
        ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
        runtime->became_subreaper_ = true;
    SF_TRY_ASSIGN(const json config, bare_config(runtime->options_));
    SF_TRY(host::write_bundle(dir, config));
    return runtime;
}

BareRuntime::~BareRuntime() {
    delete_all();
    if (became_subreaper_) ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

BareRun BareRuntime::run(size_t index) {
    BareRun run;
    Started started{fmt::format("sfbench-{}-{}", ::getpid(), index), {}, {}};
    auto out = make_pipe();
    auto err = make_pipe();
    if (!out || !err) {
        run.error = (!out ? out.error() : err.error()).message;
        return run;
    }
    ::fcntl(err->read.get(), F_SETFL, O_NONBLOCK);
    const auto start = std::chrono::steady_clock::now();
    auto process = RuntimeProcess::spawn(
        {options_.runtime, "--root", dir_ + "/state", "run", "--detach", "--bundle", dir_, started.id},
        out->write.get(), err->write.get());
    out->write.reset(); // the runtime and the container hold the write ends now
    err->write.reset();
    if (!process) {
        run.error = process.error().message;
        return run;
    }
    watch(*process, out->read.get(), err->read.get(), start, options_.timeout, run);
    started.out = std::move(out->read);
    started.err = std::move(err->read);
    started_.push_back(std::move(started)); // deleted at the end, failed or not
    return run;
}

// The pid of a container's first process (`RUNTIME state ID`), 0 if unknown.
pid_t BareRuntime::container_pid(const std::string& id) const {
    auto state = run_command({options_.runtime, "--root", dir_ + "/state", "state", id}, options_.timeout);
    if (!state || state->exit_status != 0) return 0;
    const nlohmann::json json = nlohmann::json::parse(state->output, nullptr, false);
    return json.is_object() && json.contains("pid") && json["pid"].is_number_integer()
               ? json["pid"].get<pid_t>()
               : 0;
}

size_t BareRuntime::delete_all() {
    size_t left = 0;
    for (const Started& started : started_) {
        const pid_t pid = container_pid(started.id);
        auto deleted = run_command(
            {options_.runtime, "--root", dir_ + "/state", "delete", "--force", started.id}, options_.timeout);
        // A run that failed before the container existed leaves nothing to delete.
        if (!deleted ||
            (deleted->exit_status != 0 && deleted->output.find("does not exist") == std::string::npos))
            ++left;
        // Our child as the subreaper, killed by the delete: reaped here, not left a zombie.
        else if (pid > 0 && became_subreaper_)
            ::waitpid(pid, nullptr, 0);
    }
    started_.clear();
    return left;
}

} // namespace sf::bench
