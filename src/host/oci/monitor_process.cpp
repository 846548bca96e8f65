// superfluid toolstack: sfd's side of its container monitor.
#include "host/oci/monitor_process.h"

#include "common/unix_socket.h"
#include "host/protocol.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

extern char** environ;

namespace sf::host {
namespace {

constexpr int kChildControlFd = 3;
constexpr auto kReplyTimeout = std::chrono::seconds(30);

} // namespace

Result<std::unique_ptr<MonitorProcess>> MonitorProcess::spawn(const MonitorOptions& options,
                                                              Callbacks callbacks) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return error("socketpair failed: {}", std::strerror(errno));
    UniqueFd ours(fds[0]), theirs(fds[1]);
    wire::size_buffers(ours.get());
    std::vector<std::string> args = {options.program,     "--control-fd",  std::to_string(kChildControlFd),
                                     "--runtime",         options.runtime, "--runtime-root",
                                     options.runtime_root};
    if (!options.listen_path.empty()) {
        args.insert(args.end(), {"--listen", options.listen_path});
        if (options.keep) args.push_back("--keep");
    }
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, theirs.get(), kChildControlFd);
    posix_spawn_file_actions_addclosefrom_np(&actions, kChildControlFd + 1);
    // sfd blocks SIGTERM and SIGINT in every thread (it sigwaits for them): the monitor starts with none
    // blocked.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return error("cannot start {}: {}", options.program, std::strerror(rc));
    return std::unique_ptr<MonitorProcess>(
        new MonitorProcess(pid, true, std::move(ours), std::move(callbacks)));
}

Result<std::unique_ptr<MonitorProcess>> MonitorProcess::adopt(const std::string& socket,
                                                              Callbacks callbacks) {
    Result<UniqueFd> connected = connect_unix(socket, SOCK_SEQPACKET);
    if (!connected)
        return error(ErrorKind::Unavailable, "no container monitor: {}", connected.error().message);
    UniqueFd fd = std::move(*connected);
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
        return error("SO_PEERCRED on {}: {}", socket, std::strerror(errno));
    if (peer.uid != ::geteuid())
        return error(ErrorKind::Unavailable, "{} belongs to uid {}, not to this sfd's", socket, peer.uid);
    wire::size_buffers(fd.get());
    return std::unique_ptr<MonitorProcess>(
        new MonitorProcess(peer.pid, false, std::move(fd), std::move(callbacks)));
}

MonitorProcess::MonitorProcess(pid_t pid, bool child, UniqueFd fd, Callbacks callbacks)
    : pid_(pid), child_(child), fd_(std::move(fd)), callbacks_(std::move(callbacks)),
      reader_([this] { read_loop(); }) {}

MonitorProcess::~MonitorProcess() {
    kill();
    reader_.join();
}

Result<MonitorProcess::Reply> MonitorProcess::exchange(std::string_view op, const nlohmann::json& fields) {
    const uint64_t id = next_request_++;
    {
        std::lock_guard lock(mutex_);
        if (!alive_) return error(ErrorKind::Unavailable, "the container monitor is not running");
        pending_.emplace(id, std::nullopt);
    }
    Result<void> sent = [&] {
        std::lock_guard lock(send_mutex_);
        return wire::send(fd_.get(), wire::Type::Request, id, 0, ctrmon::encode_request(op, fields));
    }();
    std::unique_lock lock(mutex_);
    if (!sent) {
        pending_.erase(id);
        return error(ErrorKind::Unavailable, "the container monitor: {}", sent.error().message);
    }
    if (!replied_.wait_for(lock, kReplyTimeout, [&] { return pending_.at(id).has_value(); })) {
        pending_.erase(id);
        return error(ErrorKind::Unavailable, "the container monitor did not answer {} within {} s", op,
                     kReplyTimeout.count());
    }
    Result<Reply> reply = std::move(*pending_.at(id));
    pending_.erase(id);
    return reply;
}

Result<nlohmann::json> MonitorProcess::call(std::string_view op, nlohmann::json fields) {
    SF_TRY_ASSIGN(const Reply reply, exchange(op, fields));
    if (reply.raw) return error("the container monitor answered {} with raw bytes", op);
    return ctrmon::decode_reply(reply.payload);
}

Result<std::string> MonitorProcess::call_raw(std::string_view op, uint64_t id) {
    SF_TRY_ASSIGN(Reply reply, exchange(op, {{"id", id}}));
    if (!reply.raw) {
        SF_TRY(ctrmon::decode_reply(reply.payload)); // an error
        return error("the container monitor answered {} without console bytes", op);
    }
    return std::move(reply.payload);
}

void MonitorProcess::read_loop() {
    for (;;) {
        Result<wire::Message> message = wire::receive(fd_.get());
        if (!message) break;
        const wire::Header& h = message->header;
        if (message->type() == wire::Type::Console) {
            callbacks_.on_console(h.guest_id, message->payload);
        } else if (message->type() == wire::Type::Event) {
            Result<worker_api::GuestEvent> event = worker_api::decode_event(message->payload);
            if (event)
                callbacks_.on_event(h.guest_id, *event);
            else
                std::fprintf(stderr, "sfd: container monitor: %s\n", event.error().message.c_str());
        } else if (message->type() == wire::Type::Reply) {
            std::lock_guard lock(mutex_);
            auto it = pending_.find(h.request_id);
            if (it == pending_.end()) continue;
            it->second.emplace(Reply{std::move(message->payload), (h.flags & wire::kRawPayload) != 0});
            replied_.notify_all();
        }
    }
    const std::string how = reap();
    {
        std::lock_guard lock(mutex_);
        alive_ = false;
        for (auto& [id, slot] : pending_)
            if (!slot)
                slot.emplace(error(ErrorKind::Unavailable, "the container monitor (pid {}) {}", pid_, how));
        replied_.notify_all();
    }
    if (callbacks_.on_exit) callbacks_.on_exit(how);
}

std::string MonitorProcess::reap() {
    if (!child_) return "ended (its connection closed)";
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return "ended";
    if (WIFSIGNALED(status))
        return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

void MonitorProcess::stop(std::chrono::milliseconds grace) {
    if (!alive_) return;
    (void)call("shutdown"); // answered once every container is deleted
    const auto until = std::chrono::steady_clock::now() + grace;
    while (alive_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill();
}

void MonitorProcess::kill() {
    if (alive_) {
        if (child_)
            ::kill(pid_, SIGKILL);
        else
            ::shutdown(fd_.get(), SHUT_RDWR);
    }
}

} // namespace sf::host
