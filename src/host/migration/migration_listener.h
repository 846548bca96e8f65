// superfluid toolstack: MigrationListener, where an sfd accepts guests
// migrated from other hosts (sfd --migrate-listen).
//
// One thread accepts connections; each connection gets a thread of its own,
// which first runs the handshake (migration_handshake.h: the peer proves it
// holds the token, 88 bytes read at most, within kHandshakeTimeout) and only
// then hands the connection and its session to the handler. So nothing a
// peer without the token sends is parsed, and the handler never sees it.
//
// Bounds (a peer that opens connections and sends nothing must not keep real
// migrations out): at most kMaxHandshakesPerPeer connections from one
// address and kMaxHandshakes from all are in their handshake at once; more
// are closed at once. Authenticated migrations count apart: at most
// kMaxConcurrent run at a time (more are closed after the handshake; the
// sender sees the connection end and keeps its guest).
//
// Threading: the handler runs on the connection's thread. The destructor
// stops accepting and waits for running connections (each bounded by the
// handshake's timeout, then by the handler's own timeouts).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/migration/migration_session.h"
#include "host/migration/migration_token.h"
#include "host/migration/tcp_endpoint.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace sf::host {

class MigrationListener {
  public:
    static constexpr size_t kMaxConcurrent = 16;
    static constexpr size_t kMaxHandshakes = 64;
    static constexpr size_t kMaxHandshakesPerPeer = 4;
    static constexpr std::chrono::milliseconds kHandshakeTimeout{2000};
    using Handler = std::function<void(UniqueFd connection, MigrationSession session)>;

    static Result<std::unique_ptr<MigrationListener>>
    start(const TcpEndpoint& where, MigrationToken token, Handler handler,
          std::chrono::milliseconds handshake_timeout = kHandshakeTimeout);
    ~MigrationListener();
    MigrationListener(const MigrationListener&) = delete;
    MigrationListener& operator=(const MigrationListener&) = delete;

    uint16_t port() const { return port_; }

  private:
    MigrationListener(UniqueFd listener, UniqueFd wake, uint16_t port, MigrationToken token, Handler handler,
                      std::chrono::milliseconds handshake_timeout);
    void accept_loop();
    // With mutex_ held: whether a connection from `peer` may start its handshake (counted if so).
    bool admit(const std::string& peer);
    void serve(UniqueFd connection, const std::string& peer);
    void reap_finished(); // needs mutex_

    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    UniqueFd listener_, wake_;
    const uint16_t port_;
    const MigrationToken token_;
    Handler handler_;
    const std::chrono::milliseconds handshake_timeout_;
    std::mutex mutex_;
    std::list<std::unique_ptr<Connection>> connections_;
    std::map<std::string, size_t> handshakes_; // per peer address, in their handshake
    size_t handshaking_ = 0;
    size_t running_ = 0; // authenticated, in the handler
    std::thread acceptor_;
};

} // namespace sf::host
