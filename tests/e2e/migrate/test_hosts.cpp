// superfluid migration tests: test hosts, a line connection and a pinger
// inside their namespaces.
#include "test_hosts.h"

#include "sfd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

extern char** environ;

namespace sf::test {
namespace {

std::string testhosts() {
    return std::string(SF_SOURCE_DIR) + "/scripts/testhosts";
}

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

} // namespace

TestHosts::TestHosts(const std::string& rate) {
    static int serial = 0;
    name_ = "sfmig-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    std::string out;
    ok_ = run("up", "--hosts 2 --rate " + rate, &out) == 0;
    if (!ok_) std::fprintf(stderr, "testhosts up %s failed:\n%s\n", name_.c_str(), out.c_str());
}

TestHosts::~TestHosts() {
    std::string out;
    if (run("down", "", &out) != 0)
        std::fprintf(stderr, "testhosts down %s failed:\n%s\n", name_.c_str(), out.c_str());
}

int TestHosts::run(const std::string& command, const std::string& args, std::string* out) const {
    int status = -1;
    std::string text =
        run_command(testhosts() + " " + command + " --name " + name_ + " " + args + " 2>&1", &status);
    if (out) *out = text;
    return status;
}

void TestHosts::clean_stale() {
    std::istringstream list(run_command("ip netns list 2>/dev/null"));
    static const std::regex ours(R"(^(sfmig-([0-9]+)-[0-9]+)-(h[0-9]+|client|seg)\b)");
    std::string line, done;
    while (std::getline(list, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, ours)) continue;
        const pid_t owner = static_cast<pid_t>(std::stol(m[2]));
        if (owner == ::getpid() || process_exists(owner) ||
            done.find(" " + m[1].str() + " ") != std::string::npos)
            continue;
        std::fprintf(stderr, "taking down test hosts %s left by process %d\n", m[1].str().c_str(), owner);
        run_command(testhosts() + " down --name " + m[1].str() + " 2>&1");
        done += " " + m[1].str() + " ";
    }
}

std::unique_ptr<LineConnection> LineConnection::open(const std::string& netns, const std::string& ip,
                                                     uint16_t port, std::chrono::milliseconds timeout,
                                                     std::string* why) {
    int fd = -1;
    std::string failure;
    // A network namespace is a thread's: enter it on a thread of its own; the
    // socket stays in it and works from any thread.
    std::thread opener([&] {
        const int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
            failure = "cannot enter " + netns + ": " + std::strerror(errno);
            if (ns >= 0) ::close(ns);
            return;
        }
        ::close(ns);
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
            failure = std::string("connect: ") + std::strerror(errno);
            return;
        }
        pollfd p{fd, POLLOUT, 0};
        int error = 0;
        socklen_t len = sizeof error;
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
            failure = "connect: no answer";
        else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0)
            failure = std::string("connect: ") + std::strerror(error);
    });
    opener.join();
    if (!failure.empty()) {
        if (why) *why = failure;
        if (fd >= 0) ::close(fd);
        return nullptr;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return std::unique_ptr<LineConnection>(new LineConnection(fd));
}

LineConnection::~LineConnection() {
    ::close(fd_);
}

std::optional<std::string> LineConnection::request(const std::string& line, std::chrono::milliseconds timeout,
                                                   std::string* why) {
    auto fail = [&](const std::string& text) -> std::optional<std::string> {
        if (why) *why = text;
        return std::nullopt;
    };
    const std::string out = line + "\n";
    if (::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
        return fail(std::string("send: ") + std::strerror(errno));
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (size_t eol = buffered_.find('\n'); eol != std::string::npos) {
            std::string answer = buffered_.substr(0, eol);
            buffered_.erase(0, eol + 1);
            if (!answer.empty() && answer.back() == '\r') answer.pop_back();
            return answer;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return fail("no answer to \"" + line + "\" within " + std::to_string(timeout.count()) + " ms");
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buffer[512];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n == 0) return fail("the connection ended (FIN)");
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return fail(std::string("recv: ") + std::strerror(errno));
        if (n > 0) buffered_.append(buffer, static_cast<size_t>(n));
    }
}

Incrementer::Incrementer(LineConnection& connection, std::string key, long last)
    : connection_(connection), key_(std::move(key)), last_(last), thread_([this] { loop(); }) {}

Incrementer::~Incrementer() {
    stop();
}

void Incrementer::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void Incrementer::loop() {
    while (!stop_) {
        const auto t0 = std::chrono::steady_clock::now();
        std::string why;
        std::optional<std::string> answer =
            connection_.request("INCR " + key_, std::chrono::seconds(8), &why);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        longest_ms_ = std::max(longest_ms_, ms);
        if (!answer) {
            failure_ =
                "after " + std::to_string(answers_) + " answers (last " + std::to_string(last_) + "): " + why;
            failed_ = true;
            return;
        }
        if (*answer != std::to_string(last_ + 1)) {
            failure_ = "INCR " + key_ + " answered \"" + *answer + "\" after " + std::to_string(last_);
            failed_ = true;
            return;
        }
        ++last_;
        ++answers_;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

Pinger::Pinger(const std::string& netns, const std::string& ip, const std::string& interval) {
    char pattern[] = "/tmp/sf-migrate-ping-XXXXXX";
    const int fd = ::mkstemp(pattern);
    out_file_ = pattern;
    std::vector<std::string> argv = {"ip", "netns", "exec", netns, "ping", "-n", "-i", interval, ip};
    std::vector<char*> raw;
    for (auto& a : argv)
        raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, 1);
    posix_spawn_file_actions_adddup2(&actions, fd, 2);
    if (posix_spawnp(&pid_, "ip", &actions, nullptr, raw.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fd);
}

Pinger::~Pinger() {
    if (pid_ > 0) stop();
    std::filesystem::remove(out_file_);
}

long Pinger::replies() const {
    std::ifstream in(out_file_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    long count = 0;
    for (size_t at = text.find("bytes from"); at != std::string::npos; at = text.find("bytes from", at + 1))
        ++count;
    return count;
}

Pinger::Counts Pinger::stop() {
    Counts counts;
    if (pid_ <= 0) return counts;
    ::kill(pid_, SIGINT);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::ifstream in(out_file_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, std::regex(R"((\d+) packets transmitted, (\d+) received)")))
        counts = {std::stol(m[1]), std::stol(m[2])};
    return counts;
}

NamespaceServer::NamespaceServer(const std::string& netns, const std::string& ip, uint16_t port, Serve serve)
    : serve_(std::move(serve)), thread_([this, netns, ip, port] { loop(netns, ip, port); }) {
    for (int i = 0; i < 500 && !ready_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

NamespaceServer::~NamespaceServer() {
    stop_ = true;
    thread_.join();
}

void NamespaceServer::loop(std::string netns, std::string ip, uint16_t port) {
    const int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    const bool entered = ns >= 0 && ::setns(ns, CLONE_NEWNET) == 0;
    if (ns >= 0) ::close(ns);
    const int listener = entered ? ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
    const int one = 1;
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &at.sin_addr);
    listening_ = listener >= 0 && ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                 ::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 &&
                 ::listen(listener, 64) == 0;
    ready_ = true;
    while (listening_ && !stop_) {
        pollfd p{listener, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) continue;
        serve_(connection);
        ::close(connection);
    }
    if (listener >= 0) ::close(listener);
}

int connect_to(const std::string& ip, uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
}

void relay(int a, int b, const std::function<bool(std::vector<uint8_t>& chunk, uint64_t offset)>& a_to_b,
           const std::atomic<bool>& stop) {
    uint64_t offset = 0;
    std::vector<uint8_t> chunk;
    while (!stop) {
        pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        if (::poll(p, 2, 20) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            chunk.resize(64 << 10);
            const ssize_t n = ::recv(p[i].fd, chunk.data(), chunk.size(), 0);
            if (n <= 0) return;
            chunk.resize(static_cast<size_t>(n));
            const uint64_t at = offset;
            if (i == 0) offset += chunk.size();
            if (i == 0 && !a_to_b(chunk, at)) continue;
            const int to = i == 0 ? b : a;
            for (size_t sent = 0; sent < chunk.size();) {
                const ssize_t w = ::send(to, chunk.data() + sent, chunk.size() - sent, MSG_NOSIGNAL);
                if (w <= 0) return;
                sent += static_cast<size_t>(w);
            }
        }
    }
}

} // namespace sf::test
