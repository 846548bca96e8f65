// sf-bench migrate: a stream of ICMP echo requests at a fixed high rate (one
// every 0.2 ms by default) to one address, recording when each request went
// out and when each reply came in (the kernel's receive time stamp), so that
// the gaps in the replies show how long the guest did not answer.
//
// An ICMP datagram socket opened in the client's namespace (ping_group_range
// there must include root's group: the bench sets it). The requests carry no
// meaning beyond their sequence number; the replies to this stream alone
// reach this socket (the kernel matches the identifier).
//
// Threading: start() runs one thread of its own; stop() joins it; read the
// observations only after stop().
#pragma once

#include "common/result.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sf::bench {

class StreamPinger {
  public:
    // Opens the socket inside network namespace `ns`.
    static Result<std::unique_ptr<StreamPinger>> create(const std::string& ns);
    ~StreamPinger();
    StreamPinger(const StreamPinger&) = delete;
    StreamPinger& operator=(const StreamPinger&) = delete;

    // Sends to `ip` (host order) every `interval` until stop().
    void start(uint32_t ip, std::chrono::microseconds interval);
    // Stops sending, waits `linger` for replies still on their way, joins.
    void stop(std::chrono::milliseconds linger = std::chrono::milliseconds(20));

    // Wall-clock ns (wall_ns()) of every request sent and every reply received.
    const std::vector<int64_t>& sent_ns() const { return sent_; }
    const std::vector<int64_t>& reply_ns() const { return replies_; }
    // The sequence number of each reply (request i carries (i + 1) mod 65536).
    const std::vector<uint16_t>& reply_sequence() const { return reply_seq_; }
    // Replies received so far (any thread, while running).
    uint64_t replies_so_far() const { return reply_count_.load(); }
    // The last reply's time so far (0: none yet; any thread).
    int64_t last_reply_ns() const { return last_reply_.load(); }
    // A socket error that ended the stream early (empty if none).
    const std::string& failure() const { return failure_; }

  private:
    explicit StreamPinger(int fd) : fd_(fd) {}
    void loop(uint32_t ip, std::chrono::microseconds interval);
    void send_one(uint32_t ip);
    void drain();

    int fd_;
    uint16_t sequence_ = 0;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> reply_count_{0};
    std::atomic<int64_t> last_reply_{0};
    std::vector<int64_t> sent_, replies_;
    std::vector<uint16_t> reply_seq_;
    std::string failure_;
};

} // namespace sf::bench
