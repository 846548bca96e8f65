// superfluid toolstack: the migration listener.
#include "host/migration/migration_listener.h"

#include "host/migration/migration_handshake.h"

#include <arpa/inet.h>
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
namespace {

// The peer's address without its port: connections are counted per address.
std::string peer_address(const sockaddr_storage& from) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (from.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(from).sin_addr, text, sizeof text);
    else if (from.ss_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(from).sin6_addr, text, sizeof text);
    return text;
}

} // namespace

Result<std::unique_ptr<MigrationListener>>
MigrationListener::start(const TcpEndpoint& where, MigrationToken token, Handler handler,
                         std::chrono::milliseconds handshake_timeout) {
    SF_TRY_ASSIGN(UniqueFd listener, where.listen());
    SF_TRY_ASSIGN(const uint16_t port, bound_port(listener.get()));
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid()) return error("eventfd: {}", std::strerror(errno));
    return std::unique_ptr<MigrationListener>(new MigrationListener(
        std::move(listener), std::move(wake), port, std::move(token), std::move(handler), handshake_timeout));
}

MigrationListener::MigrationListener(UniqueFd listener, UniqueFd wake, uint16_t port, MigrationToken token,
                                     Handler handler, std::chrono::milliseconds handshake_timeout)
    : listener_(std::move(listener)), wake_(std::move(wake)), port_(port), token_(std::move(token)),
      handler_(std::move(handler)), handshake_timeout_(handshake_timeout),
      acceptor_([this] { accept_loop(); }) {}

MigrationListener::~MigrationListener() {
    const uint64_t one = 1;
    (void)::write(wake_.get(), &one, sizeof one);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& connection : connections_)
        connection->thread.join();
}

void MigrationListener::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (fds[1].revents) return;
        if (!(fds[0].revents & POLLIN)) continue;
        sockaddr_storage from{};
        socklen_t from_len = sizeof from;
        UniqueFd connection(
            ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&from), &from_len, SOCK_CLOEXEC));
        if (!connection.valid()) continue;
        const std::string peer = peer_address(from);
        std::lock_guard lock(mutex_);
        reap_finished();
        if (!admit(peer)) continue; // closed here, before reading anything
        const int one = 1;
        ::setsockopt(connection.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto entry = std::make_unique<Connection>();
        Connection* raw = entry.get();
        entry->thread =
            std::thread([this, raw, peer, fd = std::make_shared<UniqueFd>(std::move(connection))] {
                serve(std::move(*fd), peer);
                raw->done = true;
            });
        connections_.push_back(std::move(entry));
    }
}

bool MigrationListener::admit(const std::string& peer) {
    size_t& from_peer = handshakes_[peer];
    if (from_peer >= kMaxHandshakesPerPeer || handshaking_ >= kMaxHandshakes) {
        if (from_peer == 0) handshakes_.erase(peer);
        return false;
    }
    ++from_peer;
    ++handshaking_;
    return true;
}

void MigrationListener::serve(UniqueFd connection, const std::string& peer) {
    Result<MigrationSession> session = handshake_as_receiver(connection.get(), token_, handshake_timeout_);
    bool run = false;
    {
        std::lock_guard lock(mutex_);
        --handshaking_;
        if (--handshakes_[peer] == 0) handshakes_.erase(peer);
        if (session && running_ < kMaxConcurrent) {
            ++running_;
            run = true;
        }
    }
    if (!session) {
        std::fprintf(stderr, "sfd: refused a migration connection from %s: %s\n", peer.c_str(),
                     session.error().message.c_str());
        return;
    }
    if (!run) {
        std::fprintf(stderr, "sfd: refusing a migration from %s: %zu are running already\n", peer.c_str(),
                     kMaxConcurrent);
        return;
    }
    handler_(std::move(connection), std::move(*session));
    std::lock_guard lock(mutex_);
    --running_;
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
