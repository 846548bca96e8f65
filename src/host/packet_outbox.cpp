// superfluid toolstack: sfd's never-blocking sends to a worker.
#include "host/packet_outbox.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace sf::host {
namespace {

// The writer looks at close() this often while the worker reads nothing.
constexpr int kPollMs = 100;

} // namespace

PacketOutbox::PacketOutbox(int socket) : socket_(socket), writer_([this] { write_loop(); }) {}

PacketOutbox::~PacketOutbox() {
    close();
    writer_.join();
}

Result<void> PacketOutbox::post(wire::Type type, uint64_t request_id, uint64_t guest_id,
                                std::string_view payload, uint32_t flags, int pass_fd) {
    if (payload.size() > wire::kMaxPayload) // the caller's mistake, not the socket failing
        return error("packet of {} bytes is too large", payload.size());
    std::lock_guard lock(mutex_);
    if (closed_) return error(ErrorKind::Unavailable, "{}", closed_why_);
    if (queue_.empty()) {
        Result<bool> sent = wire::try_send(socket_, type, request_id, guest_id, payload, flags, pass_fd);
        if (!sent) return fail(sent.error());
        if (*sent) return ok();
    }
    if (queued_bytes_ + payload.size() > kMaxQueuedBytes)
        return error(ErrorKind::Unavailable,
                     "the worker has not read {} bytes sent to it: a packet is dropped", queued_bytes_);
    UniqueFd duplicate(pass_fd < 0 ? -1 : ::fcntl(pass_fd, F_DUPFD_CLOEXEC, 0));
    if (pass_fd >= 0 && !duplicate.valid())
        return error(ErrorKind::Internal, "duplicating a descriptor to pass: {}", std::strerror(errno));
    queue_.push_back(Packet{type, request_id, guest_id, std::string(payload), flags, std::move(duplicate)});
    queued_bytes_ += payload.size();
    if (queue_.size() == 1) queued_.notify_one();
    return ok();
}

void PacketOutbox::close() {
    std::lock_guard lock(mutex_);
    if (!closed_) (void)fail(error("the worker's socket is closed"));
}

size_t PacketOutbox::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return queued_bytes_;
}

void PacketOutbox::write_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        queued_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (closed_) return;
        lock.unlock();
        pollfd writable{socket_, POLLOUT, 0};
        const bool room = ::poll(&writable, 1, kPollMs) > 0; // POLLHUP and errors: the send below says which
        lock.lock();
        if (closed_) return;
        if (!send_queued() && room) { // room for less than the next packet: do not spin on it
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            lock.lock();
        }
    }
}

bool PacketOutbox::send_queued() {
    bool any = false;
    while (!queue_.empty()) {
        const Packet& packet = queue_.front();
        Result<bool> sent = wire::try_send(socket_, packet.type, packet.request_id, packet.guest_id,
                                           packet.payload, packet.flags, packet.fd.get());
        if (!sent) {
            (void)fail(sent.error());
            return any;
        }
        if (!*sent) return any; // full again: wait for room
        queued_bytes_ -= packet.payload.size();
        queue_.pop_front();
        any = true;
    }
    return any;
}

Error PacketOutbox::fail(const Error& why) {
    closed_ = true;
    closed_why_ = why.message;
    queue_.clear();
    queued_bytes_ = 0;
    queued_.notify_all();
    return Error{why.message, ErrorKind::Unavailable};
}

} // namespace sf::host
