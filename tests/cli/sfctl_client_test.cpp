// Unit tests: the built sfctl binary's client commands against a real
// ApiServer in front of a FakeGuestService: output formats, one-line errors
// and exit codes (0 ok, 1 failure, 2 usage), global options anywhere, and the
// console on a pseudo-terminal (raw mode, Ctrl-] detaches, mode restored).
#include "sfctl_run.h"

#include <pty.h>
#include <termios.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

using nlohmann::json;
using sf::host::GuestState;
using sf::test::ApiFixture;
using sf::test::expect_sfctl_failure;
using sf::test::line_count;
using sf::test::ProcessResult;
using sf::test::run_process;
using sf::test::run_sfctl;

namespace {

class Sfctl : public ApiFixture {
  protected:
    // sfctl ARGS --socket <the fixture's socket>
    ProcessResult sfctl(std::vector<std::string> args, const std::string& cwd = "") {
        return run_sfctl(std::move(args), socket_path, cwd);
    }

    GuestState state_of(const std::string& ref) { return service.info(ref)->state; }
};

TEST_F(Sfctl, CreatePrintsTheIdAndSendsAnAbsoluteImage) {
    auto r = sfctl({"create", "hello", "--name", "web", "--mem", "8M", "--cmdline", "a b"}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "1\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(service.last_request.image, image_path);
    EXPECT_EQ(service.last_request.name, "web");
    EXPECT_EQ(service.last_request.mem_size, 8u << 20);
    EXPECT_EQ(service.last_request.cmdline, "a b");
    EXPECT_TRUE(service.last_request.start);
    EXPECT_FALSE(service.last_request.wait_for_output);
}

TEST_F(Sfctl, CreateNoStartAndWait) {
    EXPECT_EQ(sfctl({"create", image_path, "--no-start"}).out, "1\n");
    EXPECT_EQ(state_of("1"), GuestState::Created);
    EXPECT_EQ(sfctl({"create", image_path, "--wait"}).exit_code, 0);
    EXPECT_TRUE(service.last_request.wait_for_output);
    expect_sfctl_failure(sfctl({"create", image_path, "--wait", "--cmdline", "silent"}), "create",
                         "no console output");
    EXPECT_EQ(sfctl({"create", image_path, "--wait", "--no-start"}).exit_code, 2);
}

TEST_F(Sfctl, CreateErrorsAreOneLine) {
    ASSERT_EQ(sfctl({"create", image_path, "--name", "web"}).exit_code, 0);
    expect_sfctl_failure(sfctl({"create", image_path, "--name", "web"}), "create",
                         "a guest named 'web' already exists");
    expect_sfctl_failure(sfctl({"create", image_path, "--name", "a/b"}), "create", "name: only letters");
    expect_sfctl_failure(sfctl({"create", image_path, "--mem", "4X"}), "create", "mem: invalid size \"4X\"");
    expect_sfctl_failure(sfctl({"create", "/nonexistent"}), "create", "no such file");
    EXPECT_EQ(sfctl({"create"}).exit_code, 2);
}

TEST_F(Sfctl, LifecycleCommandsAreSilent) {
    add_guest("web", /*start=*/false);
    for (const char* action : {"start", "pause", "resume"}) {
        auto r = sfctl({action, "web"});
        EXPECT_EQ(r.exit_code, 0) << action << ": " << r.err;
        EXPECT_EQ(r.out + r.err, "") << action;
    }
    EXPECT_EQ(state_of("web"), GuestState::Running);
    expect_sfctl_failure(sfctl({"resume", "web"}), "resume", "not paused");
    expect_sfctl_failure(sfctl({"pause", "nope"}), "pause", "no guest 'nope'");
    EXPECT_EQ(sfctl({"start"}).exit_code, 2);
}

TEST_F(Sfctl, DestroyTakesSeveralAndReportsEachFailure) {
    add_guest("a"), add_guest("b"), add_guest("c");
    auto r = sfctl({"destroy", "a", "nope", "3"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "sfctl destroy: no guest 'nope'\n");
    ASSERT_EQ(service.list()->size(), 1u);
    EXPECT_EQ(service.list()->front().name, "b");
    r = sfctl({"destroy", "b"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out + r.err, "");
}

TEST_F(Sfctl, ListIsATableOrJson) {
    auto empty = sfctl({"list"});
    EXPECT_EQ(empty.exit_code, 0);
    EXPECT_EQ(empty.out, "ID  NAME  KIND  STATE  WORKER  MEM  IP  IMAGE  AGE\n");
    add_guest("web");
    add_guest("idle-guest", /*start=*/false);
    service.end_guest("web", 3);
    auto r = sfctl({"list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // The fake's guests were created 90 s ago (91 s if a second ticked meanwhile).
    EXPECT_EQ(std::regex_replace(r.out, std::regex("9[0-9]s"), "9Xs"),
              "ID  NAME        KIND  STATE      WORKER  MEM   IP  IMAGE  AGE\n"
              "1   web         vm    exited(3)  1       4MiB  -   hello  9Xs\n"
              "2   idle-guest  vm    created    0       4MiB  -   hello  9Xs\n");
    json array = json::parse(sfctl({"list", "-o", "json"}).out, nullptr, false);
    ASSERT_TRUE(array.is_array());
    ASSERT_EQ(array.size(), 2u);
    EXPECT_EQ(array[1]["name"], "idle-guest");
    EXPECT_EQ(sfctl({"list", "-o", "yaml"}).exit_code, 2);
}

TEST_F(Sfctl, InfoOfAGuest) {
    add_guest("web");
    auto r = sfctl({"info", "web"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("id:              1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("name:            web\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("state:           running\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mem:             4 MiB\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("image:           " + image_path + "\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("exit_status"), std::string::npos) << "null fields are left out";
    json guest = json::parse(sfctl({"info", "1", "-o", "json"}).out, nullptr, false);
    EXPECT_EQ(guest["name"], "web");
    expect_sfctl_failure(sfctl({"info", "nope"}), "info", "no guest 'nope'");
}

TEST_F(Sfctl, InfoOfTheHost) {
    auto r = sfctl({"info", "--host"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "guests:           0\n"
                     "pool.ready:       7\n"
                     "pool.size:        8\n"
                     "version:          fake\n"
                     "workers[0].alive: true\n"
                     "workers[0].cpus:  [0,1]\n"
                     "workers[0].index: 0\n"
                     "workers[1].alive: true\n"
                     "workers[1].cpus:  [0,1]\n"
                     "workers[1].index: 1\n");
    json host = json::parse(sfctl({"info", "--host", "-o", "json"}).out, nullptr, false);
    EXPECT_EQ(host["pool"]["size"], 8);
    EXPECT_EQ(sfctl({"info"}).exit_code, 2);
    add_guest("web");
    EXPECT_EQ(sfctl({"info", "web", "--host"}).exit_code, 2);
}

TEST_F(Sfctl, LogsPrintsTheRing) {
    add_guest("web");
    service.write_console("web", "more\n");
    auto r = sfctl({"logs", "web"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "booted web\nmore\n");
    expect_sfctl_failure(sfctl({"logs", "nope"}), "logs", "no guest 'nope'");
}

TEST_F(Sfctl, ConsoleFollowsUntilTheGuestEnds) {
    add_guest("web");
    std::thread guest([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        service.write_console("web", "tick\n");
        service.end_guest("web", 0);
    });
    auto r = sfctl({"console", "web"});
    guest.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "booted web\ntick\n");
    EXPECT_EQ(r.err, "");
    expect_sfctl_failure(sfctl({"console", "nope"}), "console", "no guest 'nope'");
}

TEST_F(Sfctl, UnreachableDaemonIsOneClearLine) {
    std::string missing = dir / "missing.sock";
    auto r = run_process({std::string(SF_BIN_DIR) + "/sfctl", "list", "--socket", missing});
    expect_sfctl_failure(r, "list",
                         "cannot reach sfd at " + missing + ": No such file or directory (is sfd running?)");
    server->stop(); // the socket file is gone, then refused:
    std::ofstream(socket_path) << "";
    r = sfctl({"info", "web"});
    expect_sfctl_failure(r, "info", "cannot reach sfd at " + socket_path);
    r = run_process({std::string(SF_BIN_DIR) + "/sfctl", "--host", "127.0.0.1:1", "list"});
    expect_sfctl_failure(r, "list", "cannot reach sfd at 127.0.0.1:1: Connection refused (is sfd running?)");
}

TEST_F(Sfctl, GlobalOptionsGoBeforeOrAfterAndSocketComesFromTheEnvironment) {
    add_guest("web");
    std::string sfctl_bin = std::string(SF_BIN_DIR) + "/sfctl";
    EXPECT_EQ(run_process({sfctl_bin, "--socket", socket_path, "logs", "web"}).out, "booted web\n");
    EXPECT_EQ(run_process({sfctl_bin, "logs", "--socket", socket_path, "web"}).out, "booted web\n");
    EXPECT_EQ(run_process({sfctl_bin, "logs", "web"}, {"SF_SOCKET=" + socket_path}).out, "booted web\n");
}

TEST_F(Sfctl, HostAddressOverTcpWithATokenEvenWithInfo) {
    add_guest("web");
    auto secret = tokens->create("cli");
    ASSERT_TRUE(secret.ok()) << secret.error().message;
    sf::host::ApiServerOptions options;
    options.tokens = tokens.get();
    auto tcp = sf::host::ApiServer::create(service, *sf::host::ListenAddress::loopback(0), options);
    ASSERT_TRUE(tcp.ok()) << tcp.error().message;
    (*tcp)->start();
    std::string address = "127.0.0.1:" + std::to_string((*tcp)->address().port);
    std::string sfctl_bin = std::string(SF_BIN_DIR) + "/sfctl";
    const std::vector<std::string> env{"SF_TOKEN=" + *secret};
    EXPECT_EQ(run_process({sfctl_bin, "--host", address, "logs", "web"}, env).out, "booted web\n");
    EXPECT_EQ(run_process({sfctl_bin, "logs", "web", "--host", address}, env).out, "booted web\n");
    EXPECT_NE(run_process({sfctl_bin, "info", "web", "--host", address}, env).out.find("name:"),
              std::string::npos);
    EXPECT_NE(run_process({sfctl_bin, "info", "--host", address}, env).out.find("workers[1].index:"),
              std::string::npos);
    EXPECT_NE(
        run_process({sfctl_bin, "--host", address, "info", "--host"}, env).out.find("workers[1].index:"),
        std::string::npos);
    expect_sfctl_failure(run_process({sfctl_bin, "--host", address, "list"}), "list",
                         "needs Authorization: Bearer");
    auto bad = run_process({sfctl_bin, "list", "--host", "nowhere"});
    expect_sfctl_failure(bad, "list", "--host: expected HOST:PORT");
    // Off loopback sfd speaks TLS only: sfctl never sends a token there in clear.
    expect_sfctl_failure(run_process({sfctl_bin, "list", "--host", "10.1.2.3:8443"}, env), "list",
                         "not loopback, so TLS: give --ca");
}

// The token's life through sfctl: made on the unix socket (its secret alone
// on stdout), used over TLS with --ca and --token-file, listed without its
// secret, revoked; and a TLS client that does not trust sfd's CA is refused.
TEST_F(Sfctl, TokenCommandsAndTlsWithACa) {
    add_guest("web");
    const std::string certs = dir / "certs";
    ASSERT_TRUE(sf::test::make_test_certificates(certs));
    sf::host::ApiServerOptions options;
    options.tokens = tokens.get();
    options.tls_cert = certs + "/server.pem";
    options.tls_key = certs + "/server.key";
    auto tls = sf::host::ApiServer::create(service, *sf::host::ListenAddress::loopback(0), options);
    ASSERT_TRUE(tls.ok()) << tls.error().message;
    (*tls)->start();
    const std::string address = "127.0.0.1:" + std::to_string((*tls)->address().port);

    auto made = sfctl({"token", "create", "ops"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    ASSERT_EQ(line_count(made.out), 1u) << made.out;
    EXPECT_TRUE(std::regex_match(made.out, std::regex("sft_[0-9a-f]{64}\n"))) << made.out;
    EXPECT_NE(made.err.find("shown this once"), std::string::npos) << made.err;
    const std::string token_file = dir / "ops.token";
    std::ofstream(token_file) << made.out;

    const std::string sfctl_bin = std::string(SF_BIN_DIR) + "/sfctl";
    auto logs = run_process(
        {sfctl_bin, "--host", address, "--ca", certs + "/ca.pem", "--token-file", token_file, "logs", "web"});
    EXPECT_EQ(logs.exit_code, 0) << logs.err;
    EXPECT_EQ(logs.out, "booted web\n");
    auto from_env = run_process({sfctl_bin, "--host", address, "logs", "web"},
                                {"SF_CA=" + certs + "/ca.pem", "SF_TOKEN_FILE=" + token_file});
    EXPECT_EQ(from_env.out, "booted web\n") << from_env.err;

    auto listed = sfctl({"token", "ls"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("ops"), std::string::npos) << listed.out;
    EXPECT_EQ(listed.out.find(made.out.substr(4, 64)), std::string::npos) << "no secret listed";

    const std::string other = dir / "other-certs";
    ASSERT_TRUE(sf::test::make_test_certificates(other));
    expect_sfctl_failure(run_process({sfctl_bin, "--host", address, "--ca", other + "/ca.pem", "--token-file",
                                      token_file, "list"}),
                         "list", "not signed by the --ca");
    expect_sfctl_failure(run_process({sfctl_bin, "--host", address, "--token-file", token_file, "list"}),
                         "list",
                         "lost connection"); // plain HTTP to a TLS port

    EXPECT_EQ(sfctl({"token", "revoke", "ops"}).exit_code, 0);
    expect_sfctl_failure(run_process({sfctl_bin, "--host", address, "--ca", certs + "/ca.pem", "--token-file",
                                      token_file, "list"}),
                         "list", "not valid");
    expect_sfctl_failure(sfctl({"token", "revoke", "ops"}), "token revoke", "no token 'ops'");
}

// Reads the pty until `needle` shows up or 5 s pass.
std::string read_until(int fd, const std::string& needle) {
    std::string seen;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (seen.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 50) <= 0) continue;
        char buffer[1024];
        ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n <= 0) break;
        seen.append(buffer, size_t(n));
    }
    return seen;
}

int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t sfctl_on_pty(int& master, const std::vector<std::string>& args) {
    pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        std::vector<char*> argv;
        for (const std::string& arg : args)
            argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

TEST_F(Sfctl, ConsoleOnATerminalDetachesOnCtrlBracketAndRestoresIt) {
    add_guest("web");
    int master = -1;
    pid_t pid =
        sfctl_on_pty(master, {std::string(SF_BIN_DIR) + "/sfctl", "console", "web", "--socket", socket_path});
    if (pid < 0) GTEST_SKIP() << "SKIPPED: no pseudo-terminal: " << std::strerror(errno);
    std::string seen = read_until(master, "booted web");
    EXPECT_NE(seen.find("detach with Ctrl-]"), std::string::npos) << seen;
    termios mode{};
    ASSERT_EQ(::tcgetattr(master, &mode), 0);
    EXPECT_EQ(mode.c_lflag & (ICANON | ECHO), 0u) << "raw while attached";
    ASSERT_EQ(::write(master, "x\x1d", 2), 2);
    seen = read_until(master, "detached from web");
    EXPECT_NE(seen.find("sfctl console: detached from web"), std::string::npos) << seen;
    EXPECT_EQ(wait_exit(pid), 0);
    ASSERT_EQ(::tcgetattr(master, &mode), 0);
    EXPECT_EQ(mode.c_lflag & (ICANON | ECHO), tcflag_t(ICANON | ECHO)) << "restored";
    EXPECT_EQ(state_of("web"), GuestState::Running);
    ::close(master);
}

TEST_F(Sfctl, ConsoleOnATerminalEndsWithTheGuestAndRestoresOnSigterm) {
    add_guest("web");
    add_guest("other");
    int master = -1;
    std::string bin = std::string(SF_BIN_DIR) + "/sfctl";
    pid_t pid = sfctl_on_pty(master, {bin, "console", "web", "--socket", socket_path});
    if (pid < 0) GTEST_SKIP() << "SKIPPED: no pseudo-terminal: " << std::strerror(errno);
    read_until(master, "booted web");
    service.end_guest("web", 0);
    EXPECT_EQ(wait_exit(pid), 0);
    ::close(master);
    pid = sfctl_on_pty(master, {bin, "console", "other", "--socket", socket_path});
    ASSERT_GT(pid, 0);
    read_until(master, "booted other");
    ::kill(pid, SIGTERM);
    EXPECT_EQ(wait_exit(pid), 128 + SIGTERM);
    termios mode{};
    ASSERT_EQ(::tcgetattr(master, &mode), 0);
    EXPECT_EQ(mode.c_lflag & (ICANON | ECHO), tcflag_t(ICANON | ECHO)) << "restored";
    ::close(master);
}

} // namespace
