// superfluid store: StoreServer, XenStore's protocol on a unix socket.
//
// One epoll thread serves every client: nonblocking sockets, an input
// Parser and an output buffer each. A client may pipeline many requests:
// everything that arrived is parsed, every complete request is dispatched
// in order, and the replies leave in one send. Each client is one Store
// connection (dom0 and privileged by default: the socket is mode 0600).
//
// Watch events reach clients through a WatchEventQueue: changes made by
// this server's clients queue their events on the loop thread (they follow
// the reply to the request that caused them), changes made by others
// (sfd, on any thread) wake the loop through an eventfd.
//
// Protocol errors answer only the offending client: a malformed request
// gets an error reply and the client stays; a header claiming more than
// kPayloadMax bytes gets E2BIG and the connection is closed (the stream
// cannot be resynchronised), as is one that ends inside a message (EINVAL
// sent first, in case it only shut down its sending side). A client whose
// unsent output exceeds max_output_bytes (it does not read its events) is
// disconnected. A disconnected client's transactions are aborted and its
// watches removed (Store::disconnect).
//
// Threading: start() and stop() from one owning thread; the Store must
// outlive the server. stop() (or the destructor) joins the loop, closes
// every client and removes the socket.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "store/store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace sf::store {

class WatchEventQueue;
class ServerLoop;

struct StoreServerOptions {
    std::string socket_path;
    DomainId domid = kDom0; // the domain every socket client acts as
    bool privileged = true; // socket clients are the toolstack
    size_t max_output_bytes = 8u << 20;
    bool verbose = false; // one line on stderr per connection and protocol error
};

struct StoreServerStats {
    uint64_t clients = 0; // connected now
    uint64_t accepted = 0;
    uint64_t requests = 0;
    uint64_t protocol_errors = 0;
    uint64_t overflows = 0; // clients dropped for not reading
};

class StoreServer {
  public:
    // Listens on options.socket_path (see listen_socket.h) and starts the loop thread.
    static Result<std::unique_ptr<StoreServer>> start(Store& store, const StoreServerOptions& options);
    ~StoreServer();
    StoreServer(const StoreServer&) = delete;
    StoreServer& operator=(const StoreServer&) = delete;

    // Stops the loop, disconnects every client, removes the socket. Idempotent.
    void stop();
    const std::string& socket_path() const { return path_; }
    StoreServerStats stats() const; // any thread

  private:
    StoreServer(std::string path, std::unique_ptr<ServerLoop> loop);

    std::string path_;
    std::unique_ptr<ServerLoop> loop_;
    std::thread thread_;
    bool stopped_ = false;
};

} // namespace sf::store
