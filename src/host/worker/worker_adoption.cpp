// superfluid worker: outliving sfd. With --listen the worker accepts a
// restarted sfd on a unix socket; while sfd is away its guests run on and
// their events are kept (ended_) for the "adopt" reply.
#include "host/worker/worker.h"

#include "common/unix_socket.h"
#include "host/fd_passing.h"
#include "host/protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace sf::host {
namespace {

const char* state_name(RunState state) {
    switch (state) {
    case RunState::Created: return "created";
    case RunState::Paused: return "paused";
    case RunState::Exited: return "exited";
    case RunState::Crashed: return "crashed";
    case RunState::Runnable:
    case RunState::Running:
    case RunState::Blocked: return "running";
    }
    return "running";
}

} // namespace

Result<void> Worker::listen() {
    const std::string& path = config_.settings.listen_path;
    SF_TRY_ASSIGN(const sockaddr_un address, unix_address(path));
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return error("socket failed: {}", std::strerror(errno));
    ::unlink(path.c_str()); // a socket left by an earlier worker of this slot
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0 ||
        ::chmod(path.c_str(), 0600) < 0 || ::listen(fd.get(), 4) < 0)
        return error("cannot listen on {}: {}", path, std::strerror(errno));
    listener_ = std::move(fd);
    return ok();
}

// Waits for a restarted sfd: it connects, then hands over the new end of
// the frame channel. Sends are dropped until then.
bool Worker::await_sfd() {
    {
        std::lock_guard lock(send_mutex_);
        ::close(config_.control_fd);
        config_.control_fd = -1;
    }
    std::fprintf(stderr, "sf-worker %d: sfd went away; keeping the guests for %llu s at %s\n",
                 config_.settings.index, static_cast<unsigned long long>(config_.settings.orphan_grace_s),
                 config_.settings.listen_path.c_str());
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::seconds(config_.settings.orphan_grace_s);
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd pfd{listener_.get(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!fd.valid()) continue;
        Result<UniqueFd> frames = receive_fd(fd.get());
        if (!frames) {
            std::fprintf(stderr, "sf-worker %d: %s\n", config_.settings.index,
                         frames.error().message.c_str());
            continue;
        }
        wire::size_buffers(fd.get());
        frames_.replace_channel(std::move(*frames));
        std::lock_guard lock(send_mutex_);
        config_.control_fd = fd.get();
        (void)fd.release();
        std::fprintf(stderr, "sf-worker %d: adopted by a new sfd\n", config_.settings.index);
        return true;
    }
    std::fprintf(stderr, "sf-worker %d: no sfd came back; stopping the guests\n", config_.settings.index);
    return false;
}

// What this worker holds, for a restarted sfd: each guest's state, console
// size, switch port, and how it ended (ended_).
Result<worker_api::Held> Worker::adopt(const worker_api::Adopt&) {
    std::vector<std::shared_ptr<WorkerGuest>> guests;
    {
        std::lock_guard lock(guests_mutex_);
        for (auto& [id, guest] : guests_)
            guests.push_back(guest);
    }
    worker_api::Held held;
    for (const auto& guest : guests) {
        worker_api::HeldGuest entry{
            guest->id(),    state_name(scheduler_.state(*guest)), {}, {}, guest->console_total(),
            guest->port_key};
        {
            std::lock_guard lock(send_mutex_);
            if (auto it = ended_.find(guest->id()); it != ended_.end()) {
                if (it->second.kind == worker_api::GuestEvent::Kind::Exited)
                    entry.status = it->second.status;
                else
                    entry.reason = it->second.reason;
            }
        }
        held.guests.push_back(std::move(entry));
    }
    return held;
}

} // namespace sf::host
