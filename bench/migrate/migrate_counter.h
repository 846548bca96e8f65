// sf-bench migrate: a client of the kvcount guest (guest/net/include/sf/net/
// kv_counter.h: TCP port 7000, one reply line per request line) that keeps
// one connection and sends "INCR key" continually, one request at a time,
// recording every reply's value and arrival time. After stop(), get() asks
// "GET key" on the same connection.
//
// The socket is opened and connected in the client's namespace.
//
// Threading: start() runs one thread of its own; stop() joins it; read the
// observations and call get() only after stop().
#pragma once

#include "common/result.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sf::bench {

class CounterClient {
  public:
    // Connects from namespace `ns` to `ip`:`port` (host order), within `timeout`.
    static Result<std::unique_ptr<CounterClient>> connect(const std::string& ns, uint32_t ip, uint16_t port,
                                                          std::string key, std::chrono::milliseconds timeout);
    ~CounterClient();
    CounterClient(const CounterClient&) = delete;
    CounterClient& operator=(const CounterClient&) = delete;

    void start();
    // Lets the request in flight be answered (up to the reply timeout), joins.
    void stop();
    // "GET key" after stop(); nullopt when no valid reply came within `timeout`.
    std::optional<uint64_t> get(std::chrono::milliseconds timeout);

    // The replies to the INCRs, in order, and when each came (wall_ns()).
    const std::vector<uint64_t>& values() const { return values_; }
    const std::vector<int64_t>& reply_ns() const { return reply_ns_; }
    uint64_t replies_so_far() const { return reply_count_.load(); }
    int64_t last_reply_ns() const { return last_reply_.load(); }
    // What ended the stream early: a socket error, a bad reply, or no reply
    // for the reply timeout (empty if none).
    const std::string& failure() const { return failure_; }

    static constexpr std::chrono::milliseconds kReplyTimeout{5000};

  private:
    CounterClient(int fd, std::string key) : fd_(fd), key_(std::move(key)) {}
    void loop();
    // Sends one line and reads its reply line; false (failure_ set) on error.
    bool exchange(const std::string& line, std::string& reply, std::chrono::milliseconds timeout);

    int fd_;
    std::string key_;
    std::string pending_; // bytes after the last complete reply line
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> reply_count_{0};
    std::atomic<int64_t> last_reply_{0};
    std::vector<uint64_t> values_;
    std::vector<int64_t> reply_ns_;
    std::string failure_;
};

} // namespace sf::bench
