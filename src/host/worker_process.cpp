// superfluid toolstack: starting, talking to and reaping sf-worker processes.
#include "host/worker_process.h"

#include "common/unix_socket.h"
#include "host/fd_passing.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace sf::host {
namespace {

constexpr int kChildControlFd = 3;
constexpr int kChildFrameFd = 4;
constexpr std::chrono::seconds kReplyTimeout{30};

} // namespace

std::string worker_socket_path(const std::string& listen_dir, int index) {
    return fmt::format("{}/worker-{}.sock", listen_dir, index);
}

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::spawn(int index, const WorkerOptions& options,
                                                            int frame_fd, Callbacks callbacks) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return error("socketpair failed: {}", std::strerror(errno));
    UniqueFd ours(fds[0]), theirs(fds[1]);
    wire::size_buffers(ours.get());
    wire::size_buffers(theirs.get());
    WorkerSettings settings = options.settings;
    settings.index = index;
    if (!options.listen_dir.empty()) settings.listen_path = worker_socket_path(options.listen_dir, index);
    std::vector<std::string> args = {options.program, "--control-fd", std::to_string(kChildControlFd),
                                     "--frame-fd", std::to_string(kChildFrameFd)};
    for (std::string& arg : to_args(settings))
        args.push_back(std::move(arg));
    std::vector<char*> argv;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, theirs.get(), kChildControlFd);
    posix_spawn_file_actions_adddup2(&actions, frame_fd, kChildFrameFd);
    posix_spawn_file_actions_addclosefrom_np(&actions, kChildFrameFd + 1);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return error("cannot start {}: {}", options.program, std::strerror(rc));
    return std::unique_ptr<WorkerProcess>(
        new WorkerProcess(index, pid, true, std::move(ours), std::move(callbacks)));
}

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::adopt(int index, const std::string& socket,
                                                            int frame_fd, Callbacks callbacks) {
    Result<UniqueFd> connected = connect_unix(socket, SOCK_SEQPACKET);
    if (!connected) return error(ErrorKind::Unavailable, "no worker: {}", connected.error().message);
    UniqueFd fd = std::move(*connected);
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
        return error("SO_PEERCRED on {}: {}", socket, std::strerror(errno));
    if (peer.uid != ::geteuid()) // never hand a frame channel to another user's process
        return error(ErrorKind::Unavailable, "{} belongs to uid {}, not to this sfd's", socket, peer.uid);
    wire::size_buffers(fd.get());
    SF_TRY(send_fd(fd.get(), frame_fd));
    return std::unique_ptr<WorkerProcess>(
        new WorkerProcess(index, peer.pid, false, std::move(fd), std::move(callbacks)));
}

WorkerProcess::WorkerProcess(int index, pid_t pid, bool child, UniqueFd fd, Callbacks callbacks)
    : index_(index), pid_(pid), child_(child), fd_(std::move(fd)), outbox_(fd_.get()),
      callbacks_(std::move(callbacks)), reader_([this] { read_loop(); }) {}

WorkerProcess::~WorkerProcess() {
    kill();
    reader_.join();
}

Result<WorkerProcess::Exchanged> WorkerProcess::exchange(const std::string& request, int pass_fd) {
    const uint64_t id = next_request_++;
    {
        std::lock_guard lock(mutex_);
        if (!alive_) return error(ErrorKind::Unavailable, "worker {} is not running", index_);
        pending_.emplace(id, std::nullopt);
    }
    Result<void> sent = outbox_.post(wire::Type::Request, id, 0, request, 0, pass_fd);
    std::unique_lock lock(mutex_);
    if (!sent) {
        pending_.erase(id);
        return error(ErrorKind::Unavailable, "worker {}: {}", index_, sent.error().message);
    }
    if (!replied_.wait_for(lock, kReplyTimeout, [&] { return pending_.at(id).has_value(); })) {
        pending_.erase(id); // a late reply finds no one and is dropped
        return error(ErrorKind::Unavailable, "worker {} did not answer within {} s", index_,
                     kReplyTimeout.count());
    }
    Result<Exchanged> reply = std::move(*pending_.at(id));
    pending_.erase(id);
    return reply;
}

void WorkerProcess::read_loop() {
    for (;;) {
        Result<wire::Message> message = wire::receive(fd_.get());
        if (!message) break;
        const wire::Header& h = message->header;
        if (message->type() == wire::Type::Console) {
            callbacks_.on_console(h.guest_id, message->payload);
        } else if (message->type() == wire::Type::Store) {
            if (callbacks_.on_store) callbacks_.on_store(h.guest_id, h.request_id, message->payload);
        } else if (message->type() == wire::Type::Event) {
            Result<worker_api::GuestEvent> event = worker_api::decode_event(message->payload);
            if (event)
                callbacks_.on_event(h.guest_id, *event);
            else
                std::fprintf(stderr, "sfd: worker %d: %s\n", index_, event.error().message.c_str());
        } else if (message->type() == wire::Type::Reply) {
            std::lock_guard lock(mutex_);
            auto it = pending_.find(h.request_id);
            if (it == pending_.end()) continue;
            it->second.emplace(Exchanged{std::move(message->payload), (h.flags & wire::kRawPayload) != 0});
            replied_.notify_all();
        }
    }
    alive_ = false;
    outbox_.close();
    const std::string how = reap();
    fail_pending(fmt::format("worker {} (pid {}) {}", index_, pid_, how));
    callbacks_.on_exit(index_, how);
}

Result<void> WorkerProcess::send_store(uint64_t guest_id, uint64_t request_id, std::string_view message) {
    return outbox_.post(wire::Type::Store, request_id, guest_id, message, wire::kRawPayload);
}

void WorkerProcess::fail_pending(const std::string& why) {
    std::lock_guard lock(mutex_);
    for (auto& [id, slot] : pending_)
        if (!slot) slot.emplace(error(ErrorKind::Unavailable, "{}", why));
    replied_.notify_all();
}

std::string WorkerProcess::reap() {
    int status = 0;
    if (!child_) return "ended (its connection closed)";
    if (reaped_ || ::waitpid(pid_, &status, 0) != pid_) return "ended";
    reaped_ = true;
    if (WIFSIGNALED(status))
        return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

void WorkerProcess::stop(std::chrono::milliseconds grace) {
    if (!alive_) return;
    (void)outbox_.post(wire::Type::Request, 0, 0, worker_api::encode_request(worker_api::Shutdown{}));
    const auto until = std::chrono::steady_clock::now() + grace;
    while (alive_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill();
}

void WorkerProcess::kill() {
    if (alive_) ::kill(pid_, SIGKILL);
    // The reader sees the socket close and reaps the process.
}

} // namespace sf::host
