// Tests: helpers for the API and sfctl tests: a temporary directory, a child
// process runner (with a deadline), checks on JSON responses, test
// certificates (scripts/mkcerts), and a fixture serving a FakeGuestService
// through a real ApiServer on a unix socket in a temporary directory (with an
// empty token file, managed through the socket).
#pragma once

#include "fake_guest_service.h"
#include "host/api_server.h"
#include "host/api_tokens.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace sf::test {

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sf-api-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) ? pattern : "";
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }
    std::string path() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

struct ProcessResult {
    int exit_code = -1; // 128 + signal when killed
    std::string out;
    std::string err;
};

// Runs argv in `cwd` (if given) with `env` added to the environment and `input` on stdin; kills it after
// `deadline`.
inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env = {}, const std::string& input = "",
                                 const std::string& cwd = "",
                                 std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    int in[2], out[2], err[2];
    if (::pipe(in) || ::pipe(out) || ::pipe(err)) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0), ::dup2(out[1], 1), ::dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
            ::close(fd);
        for (const std::string& entry : env)
            ::putenv(const_cast<char*>(entry.c_str()));
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        std::vector<char*> args;
        for (const std::string& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(in[0]), ::close(out[1]), ::close(err[1]);
    if (!input.empty()) (void)!::write(in[1], input.data(), input.size());
    ::close(in[1]);
    ProcessResult result;
    auto until = std::chrono::steady_clock::now() + deadline;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_pipes = 2;
    while (open_pipes > 0 && std::chrono::steady_clock::now() < until) {
        if (::poll(fds, 2, 50) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char buffer[4096];
            ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
            if (n > 0)
                sinks[i]->append(buffer, size_t(n));
            else
                ::close(fds[i].fd), fds[i].fd = -1, --open_pipes;
        }
    }
    if (open_pipes > 0) ::kill(pid, SIGKILL);
    for (const pollfd& fd : fds)
        if (fd.fd >= 0) ::close(fd.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

// The response is a JSON error with `status` whose message contains `needle`, on one line.
inline void expect_error(const httplib::Result& r, int status, const std::string& needle) {
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    std::string message = body.value("error", "");
    EXPECT_NE(message.find(needle), std::string::npos) << "message: " << message << "\nwanted: " << needle;
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

// The response's body as JSON (discarded if it does not parse); fails the test if there was no response.
inline nlohmann::json parse_body(const httplib::Result& r) {
    EXPECT_TRUE(r);
    return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
}

// Makes a test CA and a server certificate for localhost and 127.0.0.1 in
// `dir` (ca.pem, server.pem, server.key) with scripts/mkcerts; false if that failed.
inline bool make_test_certificates(const std::string& dir) {
    ProcessResult r = run_process({SF_SOURCE_DIR "/scripts/mkcerts", dir});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
}

// A FakeGuestService behind a started ApiServer on <tmp>/sfd.sock, and a guest image file.
class ApiFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        socket_path = dir / "sfd.sock";
        image_path = dir / "hello";
        std::ofstream(image_path) << "not really an ELF, the fake does not care";
        auto address = host::ListenAddress::unix_socket(socket_path);
        ASSERT_TRUE(address.ok());
        auto opened = host::ApiTokens::open(dir / "api-tokens");
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        tokens = std::move(*opened);
        host::ApiServerOptions options;
        options.tokens = tokens.get();
        auto created = host::ApiServer::create(service, *address, options);
        ASSERT_TRUE(created.ok()) << created.error().message;
        server = std::move(*created);
        server->start();
    }

    httplib::Client client(std::chrono::seconds read_timeout = std::chrono::seconds(10)) const {
        httplib::Client c(socket_path, 80);
        c.set_address_family(AF_UNIX);
        c.set_read_timeout(read_timeout);
        return c;
    }

    // Creates a guest through the service directly; returns its id.
    uint64_t add_guest(const std::string& name, bool start = true, const std::string& cmdline = "") {
        CreateRequest request;
        request.image = image_path;
        request.name = name;
        request.start = start;
        request.cmdline = cmdline;
        auto info = service.create(request);
        EXPECT_TRUE(info.ok()) << info.error().message;
        return info.ok() ? info->id : 0;
    }

    TempDir dir;
    std::string socket_path;
    std::string image_path;
    FakeGuestService service;
    std::unique_ptr<host::ApiTokens> tokens;
    std::unique_ptr<host::ApiServer> server;
};

} // namespace sf::test
