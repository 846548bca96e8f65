// superfluid toolstack: MigrationListener, where an sfd accepts guests
// migrated from other hosts (sfd --migrate-listen).
//
// One thread accepts connections; each connection is handed to the handler
// on a thread of its own (a migration takes milliseconds, and several may
// arrive at once). At most kMaxConcurrent run at a time: more are closed at
// once (the sender sees the connection end and keeps its guest).
//
// Threading: the handler runs on the connection's thread. The destructor
// stops accepting and waits for running handlers (they are bounded by their
// own timeouts).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/migration/tcp_endpoint.h"

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace sf::host {

class MigrationListener {
  public:
    static constexpr int kMaxConcurrent = 16;
    using Handler = std::function<void(UniqueFd connection)>;

    static Result<std::unique_ptr<MigrationListener>> start(const TcpEndpoint& where, Handler handler);
    ~MigrationListener();
    MigrationListener(const MigrationListener&) = delete;
    MigrationListener& operator=(const MigrationListener&) = delete;

    uint16_t port() const { return port_; }

  private:
    MigrationListener(UniqueFd listener, UniqueFd wake, uint16_t port, Handler handler);
    void accept_loop();
    void reap_finished(); // needs mutex_

    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    UniqueFd listener_, wake_;
    const uint16_t port_;
    Handler handler_;
    std::mutex mutex_;
    std::list<std::unique_ptr<Connection>> connections_;
    std::thread acceptor_;
};

} // namespace sf::host
