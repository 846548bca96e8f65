// superfluid migration tests: a set of test hosts (scripts/testhosts) made
// for a test and taken down when it ends, whatever happens; a TCP line
// connection and a ping made from inside one of their namespaces.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sf::test {

// scripts/testhosts up --name P --hosts 2 --rate RATE in the constructor,
// down in the destructor (it also kills whatever still runs in the
// namespaces). Names are sfmig-<pid>-<n>; sets left by a test process that
// died (SIGKILL by a ctest timeout) are taken down by clean_stale().
class TestHosts {
  public:
    explicit TestHosts(const std::string& rate);
    ~TestHosts();
    TestHosts(const TestHosts&) = delete;
    TestHosts& operator=(const TestHosts&) = delete;

    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }
    // The namespace of "h1", "h2", "client".
    std::string ns(const std::string& where) const { return name_ + "-" + where; }
    // scripts/testhosts COMMAND --name P ARGS; its status, output (stdout and stderr) in *out.
    int run(const std::string& command, const std::string& args, std::string* out = nullptr) const;

    static void clean_stale();

  private:
    std::string name_;
    bool ok_ = false;
};

// A TCP connection opened from inside a network namespace, one request line,
// one answer line (kvcount's protocol).
class LineConnection {
  public:
    static std::unique_ptr<LineConnection> open(const std::string& netns, const std::string& ip,
                                                uint16_t port, std::chrono::milliseconds timeout,
                                                std::string* why);
    ~LineConnection();
    LineConnection(const LineConnection&) = delete;
    LineConnection& operator=(const LineConnection&) = delete;

    // Sends `line` + "\n", returns the answer line without "\n"; nullopt (and
    // why) on a reset, an end of stream or no answer within `timeout`.
    std::optional<std::string> request(const std::string& line, std::chrono::milliseconds timeout,
                                       std::string* why);

  private:
    explicit LineConnection(int fd) : fd_(fd) {}
    int fd_;
    std::string buffered_;
};

// Sends "INCR key" on a connection in a loop on its own thread until stopped,
// checking that every answer is the previous one plus one.
class Incrementer {
  public:
    Incrementer(LineConnection& connection, std::string key, long last);
    ~Incrementer(); // stops
    void stop();
    long last() const { return last_; }
    long answers() const { return answers_; }
    // Whether an answer failed to come or was not the previous plus one (any time).
    bool failed() const { return failed_; }
    // What went wrong, empty if nothing did; read it after stop().
    const std::string& failure() const { return failure_; }
    double longest_wait_ms() const { return longest_ms_; }

  private:
    void loop();
    LineConnection& connection_;
    std::string key_;
    std::atomic<long> last_;
    std::atomic<long> answers_{0};
    std::atomic<bool> stop_{false};
    std::atomic<bool> failed_{false};
    std::string failure_;
    double longest_ms_ = 0;
    std::thread thread_;
};

// A TCP server inside a namespace for the migration tests' men in the
// middle: listens on IP:PORT there and runs `serve` on each accepted
// connection, one at a time, on its own thread (which is in the namespace:
// sockets `serve` makes are too). The destructor stops it.
class NamespaceServer {
  public:
    using Serve = std::function<void(int connection)>;
    NamespaceServer(const std::string& netns, const std::string& ip, uint16_t port, Serve serve);
    ~NamespaceServer();
    bool listening() const { return listening_; }

  private:
    void loop(std::string netns, std::string ip, uint16_t port);
    Serve serve_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> ready_{false};
    bool listening_ = false;
    std::thread thread_;
};

// A TCP connection to IP:PORT from the calling thread's namespace; -1 on failure.
int connect_to(const std::string& ip, uint16_t port);
// Copies bytes both ways between `a` and `b` until either ends or `stop`;
// `a_to_b` may change (or drop: return false) each chunk from a to b, given
// the offset of its first byte in that direction.
void relay(int a, int b, const std::function<bool(std::vector<uint8_t>& chunk, uint64_t offset)>& a_to_b,
           const std::atomic<bool>& stop);

// ping -n -i INTERVAL IP inside a namespace, from start until stop().
class Pinger {
  public:
    Pinger(const std::string& netns, const std::string& ip, const std::string& interval = "0.01");
    ~Pinger();
    struct Counts {
        long sent = -1, received = -1;
        long lost() const { return sent - received; }
    };
    // Interrupts ping; its summary.
    Counts stop();
    // Replies so far (lines "bytes from" in its output).
    long replies() const;

  private:
    pid_t pid_ = -1;
    std::string out_file_;
};

} // namespace sf::test
