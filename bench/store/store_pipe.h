// sf-bench store: StorePipe, a pipelining XenStore connection for load.
//
// Requests are queued, sent together by flush(), and their replies (and any
// watch events) come back from receive() in arrival order, so a benchmark
// keeps many requests in flight on one unix socket. Only the request's type
// and tx id go on the wire with the payload; req_id is a running counter.
//
// Threading: one thread at a time per object.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "store/wire.h"

#include <string>
#include <string_view>
#include <vector>

namespace sf::bench {

class StorePipe {
  public:
    static Result<StorePipe> connect(const std::string& socket_path);

    // Queues one request (payload at most wire::kPayloadMax); returns its req_id.
    uint32_t queue(store::wire::MsgType type, uint32_t tx, std::string_view payload);
    // Sends everything queued.
    Result<void> flush();
    // Waits up to `timeout_ms` for data, then appends every complete message
    // to `out` (nothing on timeout). An error when the store closed the socket.
    Result<void> receive(std::vector<store::wire::Message>& out, int timeout_ms);
    // Sends one request and waits for its reply (type Error for a store error), skipping watch events.
    Result<store::wire::Message> call(store::wire::MsgType type, uint32_t tx, std::string_view payload);
    int fd() const { return fd_.get(); }

  private:
    explicit StorePipe(UniqueFd fd) : fd_(std::move(fd)) {}

    UniqueFd fd_;
    std::string out_;
    store::wire::Parser parser_;
    uint32_t next_req_id_ = 1;
};

// Payloads of the requests the benchmark sends (dispatch.h has the formats).
std::string path_payload(std::string_view path);                          // READ, RM, ...: "path\0"
std::string write_payload(std::string_view path, std::string_view value); // "path\0value"
std::string watch_payload(std::string_view path, std::string_view token); // "path\0token\0"

} // namespace sf::bench
