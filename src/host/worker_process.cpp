// superfluid toolstack: starting, talking to and reaping sf-worker processes.
#include "host/worker_process.h"

#include "host/child_process.h"
#include "host/fd_passing.h"

#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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
    SF_TRY_ASSIGN(const pid_t pid, spawn_child({.argv = std::move(args),
                                                .fds = {ChildFd::copy(theirs.get(), kChildControlFd),
                                                        ChildFd::copy(frame_fd, kChildFrameFd)},
                                                .search_path = false,
                                                .unblock_signals = false}));
    return std::unique_ptr<WorkerProcess>(
        new WorkerProcess(index, pid, true, std::move(ours), std::move(callbacks)));
}

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::adopt(int index, const std::string& socket,
                                                            int frame_fd, Callbacks callbacks) {
    SF_TRY_ASSIGN(OwnPeer peer, connect_own_peer(socket, "worker"));
    SF_TRY(send_fd(peer.fd.get(), frame_fd));
    return std::unique_ptr<WorkerProcess>(
        new WorkerProcess(index, peer.pid, false, std::move(peer.fd), std::move(callbacks)));
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
    if (!alive_ || !pending_.add(id))
        return error(ErrorKind::Unavailable, "worker {} is not running", index_);
    Result<void> sent = outbox_.post(wire::Type::Request, id, 0, request, 0, pass_fd);
    if (!sent) {
        pending_.forget(id);
        return error(ErrorKind::Unavailable, "worker {}: {}", index_, sent.error().message);
    }
    std::optional<Result<Exchanged>> reply = pending_.wait(id, kReplyTimeout);
    if (!reply)
        return error(ErrorKind::Unavailable, "worker {} did not answer within {} s", index_,
                     kReplyTimeout.count());
    return std::move(*reply);
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
            pending_.deliver(h.request_id,
                             Exchanged{std::move(message->payload), (h.flags & wire::kRawPayload) != 0});
        }
    }
    alive_ = false;
    outbox_.close();
    const std::string how = reap();
    pending_.close(fmt::format("worker {} (pid {}) {}", index_, pid_, how));
    callbacks_.on_exit(index_, how);
}

Result<void> WorkerProcess::send_store(uint64_t guest_id, uint64_t request_id, std::string_view message) {
    return outbox_.post(wire::Type::Store, request_id, guest_id, message, wire::kRawPayload);
}

std::string WorkerProcess::reap() {
    if (!child_) return "ended (its connection closed)";
    if (reaped_) return "ended";
    reaped_ = true;
    return child_ending(pid_);
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
