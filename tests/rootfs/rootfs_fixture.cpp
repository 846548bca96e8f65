// superfluid tests of the containers' rootfs: helpers (see rootfs_fixture.h).
#include "rootfs_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <sstream>

namespace sf::test {

namespace {

std::atomic<int> pair_count{0};

// Forks a child that joins `netns` (if not empty), sends stdout and stderr to
// `out_fd` and execs `argv`; returns its pid (-1 if fork failed).
pid_t spawn_in(const std::string& netns, const std::vector<std::string>& argv, int out_fd) {
    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string ns_path = "/run/netns/" + netns;
    const pid_t pid = fork();
    if (pid != 0) return pid;
    // The child: async-signal-safe calls only until exec.
    if (!netns.empty()) {
        const int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(126);
    }
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    execv(args[0], args.data());
    _exit(127);
}

uint64_t now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000u;
}

std::string run_in(const std::string& netns, const std::string& command) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
    UniqueFd read_end(fds[0]);
    const pid_t pid = spawn_in(netns, {"/bin/sh", "-c", command}, fds[1]);
    close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(read_end.get(), buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
    return out;
}

void delete_netns(const std::string& name) {
    // Processes left inside first (a test that failed half-way), then the namespace.
    std::istringstream pids(shell("ip netns pids " + name + " 2>/dev/null"));
    for (pid_t pid; pids >> pid;)
        kill(pid, SIGKILL);
    shell("ip netns del " + name + " 2>/dev/null");
}

} // namespace

std::string rootfs_dir() {
    return SF_ROOTFS_DIR;
}

std::string shell(const std::string& command) {
    return run_in("", command);
}

NetnsPair::NetnsPair() {
    const std::string base = "sfrootfs-" + std::to_string(getpid()) + "-" + std::to_string(pair_count++);
    server_ = base + "-srv";
    client_ = base + "-cli";
    const std::string s = "ip -n " + server_ + " ", c = "ip -n " + client_ + " ";
    const std::string script = "set -e; ip netns add " + server_ + "; ip netns add " + client_ +
                               "; ip link add eth0 netns " + server_ + " type veth peer name veth0 netns " +
                               client_ + "; " + s + "addr add " + kServerIp + "/24 dev eth0; " + c +
                               "addr add " + kClientIp + "/24 dev veth0; " + s + "link set eth0 up; " + c +
                               "link set veth0 up; " + s + "link set lo up; " + c + "link set lo up; echo ok";
    const std::string out = shell(script);
    ok_ = out == "ok\n";
    if (!ok_) std::fprintf(stderr, "NetnsPair: set-up failed: %s\n", out.c_str());
}

NetnsPair::~NetnsPair() {
    delete_netns(server_);
    delete_netns(client_);
}

std::string NetnsPair::in_client(const std::string& command) const {
    return run_in(client_, command);
}

std::string NetnsPair::in_server(const std::string& command) const {
    return run_in(server_, command);
}

Program::Program(const std::string& netns, const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    out_.reset(fds[0]);
    pid_ = spawn_in(netns, argv, fds[1]);
    close(fds[1]);
}

Program::~Program() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

std::string Program::first_line(int timeout_ms) {
    const uint64_t deadline = now_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        const size_t nl = buffered_.find('\n');
        if (nl != std::string::npos) return buffered_.substr(0, nl);
        const uint64_t now = now_ms();
        if (now >= deadline || !out_.valid()) return "";
        pollfd p{out_.get(), POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(deadline - now)) <= 0) continue;
        char buf[512];
        const ssize_t n = read(out_.get(), buf, sizeof buf);
        if (n <= 0) return ""; // ended without a whole line
        buffered_.append(buf, static_cast<size_t>(n));
    }
}

int Program::signal_and_wait(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    return wait_for_exit(5000);
}

int Program::wait_for_exit(int timeout_ms) {
    if (pid_ <= 0) return -1;
    const UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    pollfd p{pidfd.get(), POLLIN, 0};
    if (!pidfd.valid() || poll(&p, 1, timeout_ms) != 1) return -1; // readable once it has ended
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return status;
}

} // namespace sf::test
