// superfluid worker tests: a real sf-worker driven over its control socket.
#include "worker_under_test.h"

#include "common/json_fields.h"
#include "host/protocol.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>
#include <thread>
#include <vector>

extern char** environ;

namespace sf::test {

using namespace std::chrono_literals;

bool process_backend() {
    const char* backend = std::getenv("SF_BACKEND");
    return backend != nullptr && std::string(backend) == "process";
}

std::string guest_image(const std::string& name) {
    return std::string(SF_GUEST_DIR) + "/" + name;
}

Result<std::unique_ptr<WorkerUnderTest>> WorkerUnderTest::start(int index, bool frames) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0)
        return error("socketpair: {}", std::strerror(errno));
    UniqueFd ours(fds[0]), theirs(fds[1]);
    ::fcntl(ours.get(), F_SETFD, FD_CLOEXEC);
    host::wire::size_buffers(ours.get());
    host::wire::size_buffers(theirs.get());
    UniqueFd frames_ours, frames_theirs;
    if (frames) {
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0)
            return error("socketpair: {}", std::strerror(errno));
        frames_ours = UniqueFd(fds[0]);
        frames_theirs = UniqueFd(fds[1]);
        ::fcntl(frames_ours.get(), F_SETFD, FD_CLOEXEC);
    }
    const std::string binary = std::string(SF_BIN_DIR) + "/sf-worker";
    const std::string fd_arg = std::to_string(theirs.get()), index_arg = std::to_string(index);
    const std::string frame_arg = std::to_string(frames_theirs.get());
    std::vector<const char*> argv = {
        binary.c_str(), "--control-fd", fd_arg.c_str(), "--index", index_arg.c_str(), "--pool", "2"};
    if (frames) argv.insert(argv.end(), {"--frame-fd", frame_arg.c_str()});
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned =
        ::posix_spawn(&pid, binary.c_str(), nullptr, nullptr, const_cast<char**>(argv.data()), environ);
    if (spawned != 0) return error("spawning {}: {}", binary, std::strerror(spawned));
    return std::unique_ptr<WorkerUnderTest>(
        new WorkerUnderTest(std::move(ours), std::move(frames_ours), pid));
}

WorkerUnderTest::~WorkerUnderTest() {
    if (pid_ <= 0) return;
    const uint64_t id = send(api::Shutdown{});
    (void)reply(id, 10s);
    control_.reset();
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(10ms);
    }
    kill_hard();
}

void WorkerUnderTest::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

uint64_t WorkerUnderTest::send_payload(const std::string& payload, int fd) {
    const uint64_t id = next_id_++;
    Result<void> sent =
        fd >= 0 ? host::wire::send(control_.get(), host::wire::Type::Request, id, 0, payload, 0, fd)
                : host::wire::send(control_.get(), host::wire::Type::Request, id, 0, payload);
    if (!sent) std::fprintf(stderr, "worker test: %s\n", sent.error().message.c_str());
    return id;
}

Result<nlohmann::json> WorkerUnderTest::reply(uint64_t id, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto it = early_.find(id); it != early_.end()) {
            nlohmann::json found = std::move(it->second);
            early_.erase(it);
            return found;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return error("no reply to request {} within {} ms", id, timeout.count());
        pollfd ready{control_.get(), POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
        Result<host::wire::Message> message = host::wire::receive(control_.get());
        if (!message) return error("worker: {}", message.error().message);
        if (message->type() != host::wire::Type::Reply) continue;
        nlohmann::json body = (message->header.flags & host::wire::kRawPayload)
                                  ? nlohmann::json{{"raw", message->payload}}
                                  : nlohmann::json::parse(message->payload, nullptr, false);
        early_[message->header.request_id] = std::move(body);
    }
}

std::string WorkerUnderTest::logs(uint64_t guest) {
    Result<nlohmann::json> r = call(api::Logs{guest});
    return r ? string_field(*r, "raw") : std::string();
}

std::string WorkerUnderTest::state(uint64_t guest) {
    Result<nlohmann::json> r = call(api::Adopt{});
    if (!r || !r->contains("guests")) return "";
    for (const auto& g : (*r)["guests"])
        if (u64_field(g, "id") == guest) return string_field(g, "state");
    return "";
}

Result<nlohmann::json> WorkerUnderTest::create_ticker(uint64_t id, int count, int interval_ms) {
    return call(api::Create{{.id = id,
                             .name = "ticker" + std::to_string(id),
                             .image = guest_image("ticker"),
                             .mem = 2u << 20,
                             .cmdline = std::to_string(count) + " " + std::to_string(interval_ms),
                             .start = true,
                             .store = false,
                             .nic = std::nullopt}});
}

int last_tick(const std::string& console) {
    static const std::regex tick(R"(tick (\d+)/)");
    int last = 0;
    for (auto it = std::sregex_iterator(console.begin(), console.end(), tick); it != std::sregex_iterator();
         ++it)
        last = std::stoi((*it)[1].str());
    return last;
}

} // namespace sf::test
