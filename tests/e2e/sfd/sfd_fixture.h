// superfluid sfd tests: a real sfd started for a test, on a private socket,
// and stopped (SIGTERM) when the test ends; plus small HTTP helpers.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "backend_under_test.h"

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sf::test {

std::string guest_image(const std::string& name);

#define SF_SFD_REQUIRE_KVM() SF_REQUIRE_GUEST_BACKEND("SFD")

struct HttpResult {
    int status = 0; // 0: no response
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class Sfd {
  public:
    // Starts sfd with these extra arguments and waits until its API answers.
    explicit Sfd(std::vector<std::string> args = {});
    // Starts sfd in `dir` (its socket, store socket, worker sockets), which it
    // does not delete: a restarted sfd finds its state there.
    Sfd(std::vector<std::string> args, std::string dir);
    // As above, sfd run under a command prefix that execs it in the same
    // process, e.g. {"ip", "netns", "exec", NS} (found on PATH): pid() is sfd's.
    Sfd(std::vector<std::string> args, std::string dir, std::vector<std::string> prefix);
    ~Sfd();
    Sfd(const Sfd&) = delete;
    Sfd& operator=(const Sfd&) = delete;

    const std::string& socket() const { return socket_; }
    pid_t pid() const { return pid_; }
    bool running() const;
    // SIGTERM, wait up to `seconds`; returns the exit status (-1: had to SIGKILL).
    int stop(int seconds = 20);
    // SIGKILL, reaped: sfd gets no chance to clean up.
    void kill_hard();
    const std::string& dir() const { return dir_; }
    // XENSTORED_PATH for xenstore-utils: sfd's embedded store.
    std::string store_socket() const { return dir_ + "/store.sock"; }

    HttpResult get(const std::string& path);
    HttpResult post(const std::string& path, const std::string& body = "{}");
    HttpResult del(const std::string& path);
    // POST /v1/guests with these fields; returns the response.
    HttpResult create(const nlohmann::json& fields);
    // Waits until guest `ref` (id or name) is in `state`, or `timeout` passes; whether it got there.
    bool wait_state(const std::string& ref, const std::string& state,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

    std::vector<pid_t> worker_pids();

  private:
    httplib::Client client();
    void spawn(std::vector<std::string> args);
    std::vector<std::string> prefix_;
    std::string dir_, socket_;
    bool owns_dir_ = true;
    pid_t pid_ = -1;
};

// Runs a shell command; its stdout, and its exit status in `status`.
std::string run_command(const std::string& command, int* status = nullptr);
// Runs a shell command; its stdout and stderr.
std::string shell(const std::string& command);
// The page curl gets from http://IP/ once it contains `text` (a guest learns
// of a store change through a watch event, a moment after the write is
// acknowledged); the last answer if 5 s pass first.
std::string page_with(const std::string& ip, const std::string& text);

// The `--overcommit` value that makes sfd's committed-memory budget, (MemTotal
// - the default 256 MiB reserve) x ratio, `budget_bytes` (within a byte or so).
std::string overcommit_for(uint64_t budget_bytes);

int count_fds(pid_t pid);
long rss_kib(pid_t pid);
// utime + stime of a process, in clock ticks.
long cpu_ticks(pid_t pid);

} // namespace sf::test
