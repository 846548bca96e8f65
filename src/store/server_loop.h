// superfluid store: ServerLoop, the epoll loop behind StoreServer (see store_server.h).
//
// Threading: create() and request_stop() on the owner's thread, run() on the
// loop thread; everything else is the loop thread's. stats() from any thread.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "store/store_server.h"
#include "store/wire.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sf::store {

// One socket client.
struct ServerClient {
    UniqueFd fd;
    ConnectionId connection = 0;
    wire::Parser parser;
    std::string out;       // replies and events not yet sent
    size_t out_sent = 0;   // bytes of `out` already sent
    uint32_t interest = 0; // the epoll events registered
    bool closing = false;  // close once `out` is sent (or cannot be)
    bool dead = false;     // to be closed at the end of this loop iteration

    size_t unsent() const { return out.size() - out_sent; }
};

class ServerLoop {
  public:
    static Result<std::unique_ptr<ServerLoop>> create(Store& store, const StoreServerOptions& options);
    ~ServerLoop();

    void run();          // until request_stop()
    void request_stop(); // any thread
    StoreServerStats stats() const;

  private:
    ServerLoop(Store& store, const StoreServerOptions& options, UniqueFd listener, UniqueFd epoll,
               std::shared_ptr<WatchEventQueue> queue);

    void accept_clients();
    void on_client_ready(uint64_t key, uint32_t events);
    void read_from(ServerClient& client);
    void handle_input(ServerClient& client);
    void handle_eof(ServerClient& client);
    void deliver_events();
    void flush(ServerClient& client);
    void update_interest(ServerClient& client);
    void protocol_error(ServerClient& client, const char* what);
    void mark_dead(ServerClient& client);
    void close_marked();

    Store& store_;
    StoreServerOptions options_;
    UniqueFd listener_;
    UniqueFd epoll_;
    std::shared_ptr<WatchEventQueue> queue_;
    std::map<ConnectionId, std::unique_ptr<ServerClient>> clients_;
    std::vector<ConnectionId> dirty_;    // clients given events this iteration
    std::vector<ConnectionId> to_close_; // clients marked dead this iteration
    std::atomic<bool> stop_{false};

    std::atomic<uint64_t> accepted_{0}, requests_{0}, protocol_errors_{0}, overflows_{0}, client_count_{0};
};

} // namespace sf::store
