// superfluid toolstack: ApiServer, sfd's REST+JSON API (docs/api.yaml) over
// HTTP/1.1 on a unix socket or on TCP, in front of sfd's services (ApiServices).
//
// Who may call it: on the unix socket (mode 0600), whoever can open it (root:
// the trusted admin channel, where tokens are managed). On TCP, a client with
// a bearer token of ApiTokens, and only through ApiRequestGate's checks
// (Host, no Origin, failures rate-limited); off loopback only over TLS 1.3.
// JSON bodies are taken only as Content-Type: application/json, everywhere.
//
// Contracts:
// - create() does everything that can fail: it claims the socket path (see
//   UnixSocketClaim: parent directory, stale socket, another sfd), binds,
//   sets the socket's mode to 0600 and listens; for TCP it refuses to go on
//   without tokens, or off loopback without TLS, and loads the certificate. start() then serves on a
//   background thread pool; stop() (or the destructor) stops accepting, waits
//   for requests in flight (console follows are cut), and removes the socket.
// - The services must outlive the server; their methods are called from many
//   pool threads at once.
// - create() sets SIGPIPE to ignored for the whole process: a client that
//   goes away mid-response must not kill the daemon.
// - Robustness: a pool of kThreads connection threads, 5 s read and write
//   timeouts, a 64 KiB body limit, keep-alive of at most 2 s idle and 100
//   requests, so a client that stalls or floods holds at most one thread for
//   at most a few seconds. Responses are never compressed.
#pragma once

#include "common/result.h"
#include "host/api_request_gate.h"
#include "host/api_tokens.h"
#include "host/guest_service.h"
#include "host/listen_address.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
} // namespace httplib

namespace sf::host {

class ApiRoutes;

struct ApiServerOptions {
    bool verbose = false; // one line per request on stderr
    // The API tokens (not owned; outlive the server). On the unix socket:
    // managed through /v1/tokens (unset: those routes answer 503). On TCP:
    // required, and what a client's bearer token is checked against.
    ApiTokens* tokens = nullptr;
    // TCP only: PEM certificate (chain) and key; both or neither. Required
    // off loopback. The server then speaks TLS 1.3 only.
    std::string tls_cert;
    std::string tls_key;
    // TCP only: names clients may put in Host besides the listen address
    // (and "localhost" on loopback), e.g. the certificate's DNS names.
    std::vector<std::string> host_names;
};

class ApiServer {
  public:
    static constexpr size_t kThreads = 64;
    static constexpr size_t kMaxBodyBytes = 64 * 1024;

    static Result<std::unique_ptr<ApiServer>> create(ApiServices services, const ListenAddress& address,
                                                     ApiServerOptions options = {});
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Serves on a background thread; returns once it accepts connections. Once only.
    void start();
    // Stops serving and removes the socket file. Idempotent; called by the destructor.
    void stop();

    // Where it listens; for TCP with port 0, the port that was picked.
    const ListenAddress& address() const { return address_; }
    bool tls() const { return tls_; }

  private:
    ApiServer(ApiServices services, ListenAddress address, const ApiServerOptions& options,
              std::unique_ptr<httplib::Server> http);
    void configure(bool verbose);
    Result<void> bind();
    Result<void> bind_unix();
    Result<void> bind_tcp();

    ListenAddress address_;
    bool tls_ = false;
    std::atomic<bool> stopping_{false};
    std::unique_ptr<ApiRequestGate> gate_; // set by bind() (it needs the port)
    std::unique_ptr<ApiRoutes> routes_;
    std::unique_ptr<httplib::Server> server_;
    std::optional<UnixSocketClaim> claim_;
    int listen_fd_ = -1; // owned by server_ once start() ran
    std::thread thread_;
    std::atomic<bool> thread_done_{false};
    bool stopped_ = false;
};

} // namespace sf::host
