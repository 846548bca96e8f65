// superfluid store: StoreClient, a small blocking XenStore client on a unix socket.
//
// Typed operations send one request and wait for its reply; a store error
// comes back as its StoreError, a broken connection as StoreError::Io. Watch
// events that arrive while waiting for a reply are kept for wait_event().
// For benchmarks and tests there is a raw layer: request() (one message,
// its reply), batch() (many requests pipelined in one send, replies in
// order), send_bytes() (anything, even malformed) and receive().
//
// Threading: one thread at a time per client.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "store/permissions.h"
#include "store/store.h"
#include "store/wire.h"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::store {

struct RawRequest {
    wire::MsgType type = wire::MsgType::Read;
    TxId tx = 0;
    std::string payload;
};

class StoreClient {
  public:
    static Result<std::unique_ptr<StoreClient>> connect(const std::string& socket_path);

    StoreResult<std::string> read(std::string_view path, TxId tx = 0);
    StoreStatus write(std::string_view path, std::string_view value, TxId tx = 0);
    StoreStatus mkdir(std::string_view path, TxId tx = 0);
    StoreStatus rm(std::string_view path, TxId tx = 0);
    StoreResult<std::vector<std::string>> directory(std::string_view path, TxId tx = 0);
    StoreResult<Permissions> get_perms(std::string_view path, TxId tx = 0);
    StoreStatus set_perms(std::string_view path, const Permissions& perms, TxId tx = 0);
    StoreStatus watch(std::string_view path, std::string_view token);
    StoreStatus unwatch(std::string_view path, std::string_view token);
    StoreResult<TxId> transaction_start();
    StoreStatus transaction_end(TxId tx, bool commit);

    // The next watch event, waiting up to `timeout`; nullopt when none came.
    Result<std::optional<WatchEvent>> wait_event(std::chrono::milliseconds timeout);

    // Sends one request and returns its reply (type Error for a store error).
    Result<wire::Message> request(wire::MsgType type, TxId tx, std::string_view payload);
    // Sends every request in one write, then returns their replies in order.
    Result<std::vector<wire::Message>> batch(const std::vector<RawRequest>& requests);
    // Sends raw bytes (tests: malformed input).
    Result<void> send_bytes(std::string_view bytes);
    // The next message of any kind, events included, waiting up to `timeout`;
    // nullopt on timeout. An error when the server closed the connection.
    Result<std::optional<wire::Message>> receive(std::chrono::milliseconds timeout);
    // Shuts down the sending side (the server then sees end of stream).
    void shutdown_send();

  private:
    explicit StoreClient(UniqueFd fd) : fd_(std::move(fd)) {}

    Result<wire::Message> reply_to(uint32_t req_id);
    Result<void> fill(int timeout_ms);
    StoreResult<wire::Message> call(wire::MsgType type, TxId tx, std::string_view payload);
    StoreStatus call_ok(wire::MsgType type, TxId tx, std::string_view payload);

    UniqueFd fd_;
    wire::Parser parser_;
    std::deque<WatchEvent> events_;
    uint32_t next_req_id_ = 1;
};

} // namespace sf::store
