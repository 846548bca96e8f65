// superfluid toolstack: the migration listener.
#include "host/migration/migration_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sf::host {

Result<std::unique_ptr<MigrationListener>> MigrationListener::start(const TcpEndpoint& where, Handler handler) {
    SF_TRY_ASSIGN(UniqueFd listener, where.listen());
    SF_TRY_ASSIGN(const uint16_t port, bound_port(listener.get()));
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid()) return error("eventfd: {}", std::strerror(errno));
    return std::unique_ptr<MigrationListener>(
        new MigrationListener(std::move(listener), std::move(wake), port, std::move(handler)));
}

MigrationListener::MigrationListener(UniqueFd listener, UniqueFd wake, uint16_t port, Handler handler)
    : listener_(std::move(listener)), wake_(std::move(wake)), port_(port), handler_(std::move(handler)),
      acceptor_([this] { accept_loop(); }) {}

MigrationListener::~MigrationListener() {
    const uint64_t one = 1;
    (void)::write(wake_.get(), &one, sizeof one);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& connection : connections_) connection->thread.join();
}

void MigrationListener::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (fds[1].revents) return;
        if (!(fds[0].revents & POLLIN)) continue;
        UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection.valid()) continue;
        const int one = 1;
        ::setsockopt(connection.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::lock_guard lock(mutex_);
        reap_finished();
        if (connections_.size() >= kMaxConcurrent) {
            std::fprintf(stderr, "sfd: refusing a migration: %d are running already\n", kMaxConcurrent);
            continue; // closed here
        }
        auto entry = std::make_unique<Connection>();
        Connection* raw = entry.get();
        entry->thread = std::thread([this, raw, fd = std::make_shared<UniqueFd>(std::move(connection))]() mutable {
            handler_(std::move(*fd));
            raw->done = true;
        });
        connections_.push_back(std::move(entry));
    }
}

void MigrationListener::reap_finished() {
    for (auto it = connections_.begin(); it != connections_.end();) {
        if ((*it)->done) {
            (*it)->thread.join();
            it = connections_.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace sf::host
