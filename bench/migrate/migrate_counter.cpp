// sf-bench migrate: CounterClient; see migrate_counter.h.
#include "bench/migrate/migrate_counter.h"

#include "bench/migrate/migrate_netns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sf::bench {
namespace {

Result<int> open_connected(uint32_t ip, uint16_t port, std::chrono::milliseconds timeout) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return error("TCP socket: {}", std::strerror(errno));
    const timeval limit{static_cast<time_t>(timeout.count() / 1000),
                        static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(ip);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        const int saved = errno;
        ::close(fd);
        return error("connect to port {}: {}", port, std::strerror(saved));
    }
    return fd;
}

std::optional<uint64_t> parse_value(const std::string& line) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size()) return std::nullopt;
    return value;
}

} // namespace

Result<std::unique_ptr<CounterClient>> CounterClient::connect(const std::string& ns, uint32_t ip,
                                                              uint16_t port, std::string key,
                                                              std::chrono::milliseconds timeout) {
    int fd = -1;
    SF_TRY(run_in_netns(ns, [&]() -> Result<void> {
        SF_TRY_ASSIGN(fd, open_connected(ip, port, timeout));
        return ok();
    }));
    return std::unique_ptr<CounterClient>(new CounterClient(fd, std::move(key)));
}

CounterClient::~CounterClient() {
    stop();
    ::close(fd_);
}

void CounterClient::start() {
    stopping_ = false;
    values_.reserve(100'000);
    reply_ns_.reserve(100'000);
    thread_ = std::thread([this] { loop(); });
}

void CounterClient::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    thread_.join();
}

bool CounterClient::exchange(const std::string& line, std::string& reply, std::chrono::milliseconds timeout) {
    if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
        failure_ = fmt::format("send: {}", std::strerror(errno));
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const size_t eol = pending_.find('\n'); eol != std::string::npos) {
            reply = pending_.substr(0, eol);
            if (!reply.empty() && reply.back() == '\r') reply.pop_back();
            pending_.erase(0, eol + 1);
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd pfd{fd_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
            failure_ = fmt::format("no reply to \"{}\" within {} ms", line.substr(0, line.size() - 1),
                                   timeout.count());
            return false;
        }
        char buf[256];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            failure_ =
                n == 0 ? "the guest closed the connection" : fmt::format("recv: {}", std::strerror(errno));
            return false;
        }
        pending_.append(buf, static_cast<size_t>(n));
    }
}

void CounterClient::loop() {
    const std::string request = "INCR " + key_ + "\n";
    std::string reply;
    while (!stopping_.load()) {
        if (!exchange(request, reply, kReplyTimeout)) return;
        const int64_t at = wall_ns();
        const std::optional<uint64_t> value = parse_value(reply);
        if (!value) {
            failure_ = fmt::format("unexpected reply \"{}\"", reply);
            return;
        }
        values_.push_back(*value);
        reply_ns_.push_back(at);
        last_reply_ = at;
        ++reply_count_;
    }
}

std::optional<uint64_t> CounterClient::get(std::chrono::milliseconds timeout) {
    if (!failure_.empty()) return std::nullopt;
    std::string reply;
    if (!exchange("GET " + key_ + "\n", reply, timeout)) return std::nullopt;
    return parse_value(reply);
}

} // namespace sf::bench
