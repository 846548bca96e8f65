// superfluid toolstack: ApiServer, sfd's REST+JSON API (docs/api.yaml) over
// HTTP/1.1 on a unix socket or on 127.0.0.1, in front of a GuestService.
//
// Contracts:
// - create() does everything that can fail: it claims the socket path (see
//   UnixSocketClaim: parent directory, stale socket, another sfd), binds,
//   sets the socket's mode to 0600 and listens. start() then serves on a
//   background thread pool; stop() (or the destructor) stops accepting, waits
//   for requests in flight (console follows are cut), and removes the socket.
// - The service must outlive the server; its methods are called from many
//   pool threads at once.
// - create() sets SIGPIPE to ignored for the whole process: a client that
//   goes away mid-response must not kill the daemon.
// - Robustness: a pool of kThreads connection threads, 5 s read and write
//   timeouts, a 64 KiB body limit, keep-alive of at most 2 s idle and 100
//   requests, so a client that stalls or floods holds at most one thread for
//   at most a few seconds. Responses are never compressed.
#pragma once

#include "common/result.h"
#include "host/guest_service.h"
#include "host/listen_address.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace httplib {
class Server;
} // namespace httplib

namespace sf::host {

class ApiRoutes;

class ApiServer {
  public:
    static constexpr size_t kThreads = 64;
    static constexpr size_t kMaxBodyBytes = 64 * 1024;

    // `verbose`: one line per request on stderr.
    static Result<std::unique_ptr<ApiServer>> create(GuestService& service, const ListenAddress& address,
                                                     bool verbose = false);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Serves on a background thread; returns once it accepts connections. Once only.
    void start();
    // Stops serving and removes the socket file. Idempotent; called by the destructor.
    void stop();

    // Where it listens; for TCP with port 0, the port that was picked.
    const ListenAddress& address() const { return address_; }

  private:
    ApiServer(GuestService& service, ListenAddress address, bool verbose);
    void configure(bool verbose);
    Result<void> bind();
    Result<void> bind_unix();
    Result<void> bind_tcp();

    ListenAddress address_;
    std::atomic<bool> stopping_{false};
    std::unique_ptr<ApiRoutes> routes_;
    std::unique_ptr<httplib::Server> server_;
    std::optional<UnixSocketClaim> claim_;
    int listen_fd_ = -1; // owned by server_ once start() ran
    std::thread thread_;
    std::atomic<bool> thread_done_{false};
    bool stopped_ = false;
};

} // namespace sf::host
