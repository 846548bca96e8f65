// superfluid toolstack: sfd's side of its container monitor.
#include "host/oci/monitor_process.h"

#include "host/child_process.h"
#include "host/protocol.h"

#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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
    // sfd blocks SIGTERM and SIGINT in every thread (it sigwaits for them): the monitor starts with none
    // blocked.
    SF_TRY_ASSIGN(const pid_t pid, spawn_child({.argv = std::move(args),
                                                .fds = {ChildFd::copy(theirs.get(), kChildControlFd)},
                                                .search_path = false,
                                                .unblock_signals = true}));
    return std::unique_ptr<MonitorProcess>(
        new MonitorProcess(pid, true, std::move(ours), std::move(callbacks)));
}

Result<std::unique_ptr<MonitorProcess>> MonitorProcess::adopt(const std::string& socket,
                                                              Callbacks callbacks) {
    SF_TRY_ASSIGN(OwnPeer peer, connect_own_peer(socket, "container monitor"));
    return std::unique_ptr<MonitorProcess>(
        new MonitorProcess(peer.pid, false, std::move(peer.fd), std::move(callbacks)));
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
    if (!alive_ || !pending_.add(id))
        return error(ErrorKind::Unavailable, "the container monitor is not running");
    Result<void> sent = [&] {
        std::lock_guard lock(send_mutex_);
        return wire::send(fd_.get(), wire::Type::Request, id, 0, ctrmon::encode_request(op, fields));
    }();
    if (!sent) {
        pending_.forget(id);
        return error(ErrorKind::Unavailable, "the container monitor: {}", sent.error().message);
    }
    std::optional<Result<Reply>> reply = pending_.wait(id, kReplyTimeout);
    if (!reply)
        return error(ErrorKind::Unavailable, "the container monitor did not answer {} within {} s", op,
                     kReplyTimeout.count());
    return std::move(*reply);
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
            pending_.deliver(h.request_id,
                             Reply{std::move(message->payload), (h.flags & wire::kRawPayload) != 0});
        }
    }
    const std::string how = reap();
    alive_ = false;
    pending_.close(fmt::format("the container monitor (pid {}) {}", pid_, how));
    if (callbacks_.on_exit) callbacks_.on_exit(how);
}

std::string MonitorProcess::reap() {
    if (!child_) return "ended (its connection closed)";
    return child_ending(pid_);
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
