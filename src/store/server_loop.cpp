// superfluid store: ServerLoop, one epoll thread serving every socket client.
#include "store/server_loop.h"

#include "store/dispatch.h"
#include "store/listen_socket.h"
#include "store/watch_event_queue.h"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sf::store {

namespace {

constexpr uint64_t kListenKey = UINT64_MAX;
constexpr uint64_t kWakeKey = UINT64_MAX - 1;
constexpr size_t kReadChunk = 64 * 1024;
// A client with this much unsent output is not read until it catches up.
constexpr size_t kPauseReading = 1u << 20;

Result<void> add_fd(int epoll, int fd, uint64_t key, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = key;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) return error("epoll_ctl: {}", std::strerror(errno));
    return ok();
}

} // namespace

Result<std::unique_ptr<ServerLoop>> ServerLoop::create(Store& store, const StoreServerOptions& options) {
    SF_TRY_ASSIGN(auto queue, WatchEventQueue::create());
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll.valid()) return error("epoll_create1: {}", std::strerror(errno));
    SF_TRY_ASSIGN(auto listener, listen_unix_socket(options.socket_path));
    SF_TRY(add_fd(epoll.get(), listener.get(), kListenKey, EPOLLIN));
    SF_TRY(add_fd(epoll.get(), queue->wake_fd(), kWakeKey, EPOLLIN));
    return std::unique_ptr<ServerLoop>(
        new ServerLoop(store, options, std::move(listener), std::move(epoll), std::move(queue)));
}

ServerLoop::ServerLoop(Store& store, const StoreServerOptions& options, UniqueFd listener, UniqueFd epoll,
                       std::shared_ptr<WatchEventQueue> queue)
    : store_(store), options_(options), listener_(std::move(listener)), epoll_(std::move(epoll)),
      queue_(std::move(queue)) {}

ServerLoop::~ServerLoop() {
    for (auto& [id, client] : clients_)
        store_.disconnect(id);
}

void ServerLoop::request_stop() {
    stop_.store(true);
    queue_->wake();
}

StoreServerStats ServerLoop::stats() const {
    return {client_count_.load(), accepted_.load(), requests_.load(), protocol_errors_.load(),
            overflows_.load()};
}

void ServerLoop::run() {
    queue_->set_loop_thread(std::this_thread::get_id());
    epoll_event events[64];
    while (!stop_.load()) {
        const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            fmt::print(stderr, "sfstore: epoll_wait: {}\n", std::strerror(errno));
            break;
        }
        for (int i = 0; i < n; ++i) {
            const uint64_t key = events[i].data.u64;
            if (key == kListenKey)
                accept_clients();
            else if (key == kWakeKey)
                queue_->clear_wake();
            else
                on_client_ready(key, events[i].events);
        }
        if (queue_->maybe_pending()) deliver_events();
        for (ConnectionId id : dirty_) {
            auto it = clients_.find(id);
            if (it != clients_.end()) flush(*it->second);
        }
        dirty_.clear();
        close_marked();
    }
    for (auto& [id, client] : clients_)
        store_.disconnect(id);
    clients_.clear();
    client_count_.store(0);
}

void ServerLoop::accept_clients() {
    for (;;) {
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fmt::print(stderr, "sfstore: accept: {}\n", std::strerror(errno));
            return;
        }
        auto client = std::make_unique<ServerClient>();
        client->connection = store_.connect(options_.domid, options_.privileged, queue_);
        client->interest = EPOLLIN;
        if (!add_fd(epoll_.get(), fd.get(), client->connection, EPOLLIN)) {
            store_.disconnect(client->connection);
            continue;
        }
        client->fd = std::move(fd);
        if (options_.verbose) fmt::print(stderr, "sfstore: client {} connected\n", client->connection);
        clients_.emplace(client->connection, std::move(client));
        accepted_.fetch_add(1);
        client_count_.fetch_add(1);
    }
}

void ServerLoop::on_client_ready(uint64_t key, uint32_t events) {
    auto it = clients_.find(key);
    if (it == clients_.end()) return;
    ServerClient& client = *it->second;
    if (client.dead) return;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !client.closing)
        read_from(client);
    else if (events & (EPOLLHUP | EPOLLERR))
        mark_dead(client);
    if ((events & EPOLLOUT) && !client.dead) flush(client);
}

void ServerLoop::read_from(ServerClient& client) {
    char buffer[kReadChunk];
    const ssize_t n = ::recv(client.fd.get(), buffer, sizeof(buffer), 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) mark_dead(client);
        return;
    }
    if (n == 0) return handle_eof(client);
    client.parser.feed(std::string_view(buffer, static_cast<size_t>(n)));
    handle_input(client);
    flush(client);
}

void ServerLoop::handle_input(ServerClient& client) {
    wire::MessageView message;
    for (;;) {
        const auto status = client.parser.next(message);
        if (status == wire::Parser::Status::NeedMore) return;
        if (status == wire::Parser::Status::TooLong) {
            wire::append_error(client.out, message.header, StoreError::TooBig);
            protocol_error(client, "a message longer than 4096 bytes");
            return;
        }
        requests_.fetch_add(1, std::memory_order_relaxed);
        dispatch_into(client.out, store_, client.connection, message.header, message.payload);
        if (queue_->maybe_pending()) deliver_events();
    }
}

// The client shut down its sending side: answer a partial message, then close once flushed.
void ServerLoop::handle_eof(ServerClient& client) {
    if (client.parser.pending() > 0 && !client.parser.failed()) {
        wire::MessageView partial;
        wire::Header header{};
        if (client.parser.pending() >= wire::kHeaderSize &&
            client.parser.next(partial) != wire::Parser::Status::Message)
            header = partial.header;
        wire::append_error(client.out, header, StoreError::Invalid);
        protocol_error(client, "a truncated message at end of stream");
    }
    client.closing = true;
    flush(client);
}

void ServerLoop::protocol_error(ServerClient& client, const char* what) {
    protocol_errors_.fetch_add(1);
    client.closing = true;
    if (options_.verbose) fmt::print(stderr, "sfstore: client {}: {}; closing\n", client.connection, what);
}

void ServerLoop::deliver_events() {
    for (QueuedEvent& event : queue_->take()) {
        auto it = clients_.find(event.connection);
        if (it == clients_.end()) continue;
        ServerClient& client = *it->second;
        if (client.closing || client.dead) continue;
        client.out += event.message;
        if (client.unsent() > options_.max_output_bytes) {
            overflows_.fetch_add(1);
            if (options_.verbose)
                fmt::print(stderr, "sfstore: client {} does not read its events; disconnected\n",
                           client.connection);
            mark_dead(client);
            continue;
        }
        dirty_.push_back(client.connection);
    }
}

void ServerLoop::flush(ServerClient& client) {
    while (client.unsent() > 0) {
        const ssize_t n = ::send(client.fd.get(), client.out.data() + client.out_sent, client.unsent(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return mark_dead(client);
        }
        client.out_sent += static_cast<size_t>(n);
    }
    if (client.unsent() == 0) {
        client.out.clear();
        client.out_sent = 0;
        if (client.closing) return mark_dead(client);
    } else if (client.out_sent > kReadChunk && client.out_sent > client.out.size() / 2) {
        client.out.erase(0, client.out_sent);
        client.out_sent = 0;
    }
    update_interest(client);
}

void ServerLoop::update_interest(ServerClient& client) {
    uint32_t want = 0;
    if (!client.closing && client.unsent() < kPauseReading) want |= EPOLLIN;
    if (client.unsent() > 0) want |= EPOLLOUT;
    if (want == client.interest) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = client.connection;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, client.fd.get(), &ev) != 0) return mark_dead(client);
    client.interest = want;
}

void ServerLoop::mark_dead(ServerClient& client) {
    if (client.dead) return;
    client.dead = true;
    to_close_.push_back(client.connection);
}

void ServerLoop::close_marked() {
    for (ConnectionId id : to_close_) {
        auto it = clients_.find(id);
        if (it == clients_.end()) continue;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second->fd.get(), nullptr);
        store_.disconnect(id);
        clients_.erase(it);
        client_count_.fetch_sub(1);
        if (options_.verbose) fmt::print(stderr, "sfstore: client {} disconnected\n", id);
    }
    to_close_.clear();
}

} // namespace sf::store
