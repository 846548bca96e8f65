// superfluid store: StoreClient, a small blocking XenStore client.
#include "store/store_client.h"

#include "common/unix_socket.h"
#include "store/dispatch_args.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace sf::store {

namespace {

using Clock = std::chrono::steady_clock;

std::string with_nul(std::string_view text) {
    std::string out(text);
    out += '\0';
    return out;
}

std::optional<WatchEvent> parse_event(std::string_view payload) {
    auto parts = args::exactly<2>(payload);
    if (!parts) return std::nullopt;
    return WatchEvent{std::string((*parts)[0]), std::string((*parts)[1])};
}

std::vector<std::string> split_names(std::string_view payload) {
    std::vector<std::string> names;
    while (!payload.empty()) {
        const size_t nul = payload.find('\0');
        names.emplace_back(payload.substr(0, nul));
        if (nul == std::string_view::npos) break;
        payload.remove_prefix(nul + 1);
    }
    return names;
}

} // namespace

Result<std::unique_ptr<StoreClient>> StoreClient::connect(const std::string& socket_path) {
    SF_TRY_ASSIGN(UniqueFd fd, connect_unix(socket_path, SOCK_STREAM));
    return std::unique_ptr<StoreClient>(new StoreClient(std::move(fd)));
}

Result<void> StoreClient::send_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return error(ErrorKind::Unavailable, "send to the store: {}", std::strerror(errno));
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return ok();
}

void StoreClient::shutdown_send() {
    ::shutdown(fd_.get(), SHUT_WR);
}

// Reads what is available within timeout_ms (-1: forever) into the parser; false on timeout.
Result<void> StoreClient::fill(int timeout_ms) {
    pollfd pfd{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return error("poll: {}", std::strerror(errno));
    if (ready <= 0) return ok();
    char buffer[64 * 1024];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno != EINTR && errno != EAGAIN)
        return error(ErrorKind::Unavailable, "recv from the store: {}", std::strerror(errno));
    if (n == 0) return error(ErrorKind::Unavailable, "the store closed the connection");
    if (n > 0) parser_.feed(std::string_view(buffer, static_cast<size_t>(n)));
    return ok();
}

Result<std::optional<wire::Message>> StoreClient::receive(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        wire::MessageView view;
        const auto status = parser_.next(view);
        if (status == wire::Parser::Status::Message)
            return std::optional<wire::Message>(wire::Message{view.header, std::string(view.payload)});
        if (status == wire::Parser::Status::TooLong) return error("the store sent a message over 4096 bytes");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) return std::optional<wire::Message>();
        SF_TRY(fill(static_cast<int>(left.count())));
    }
}

Result<wire::Message> StoreClient::reply_to(uint32_t req_id) {
    for (;;) {
        SF_TRY_ASSIGN(auto message, receive(std::chrono::hours(24)));
        if (!message) continue;
        if (message->type() == wire::MsgType::WatchEvent) {
            if (auto event = parse_event(message->payload)) events_.push_back(std::move(*event));
            continue;
        }
        if (message->header.req_id != req_id)
            return error("reply to request {} while waiting for {}", message->header.req_id, req_id);
        return std::move(*message);
    }
}

Result<wire::Message> StoreClient::request(wire::MsgType type, TxId tx, std::string_view payload) {
    if (payload.size() > wire::kPayloadMax)
        return error(ErrorKind::InvalidArgument, "payload over 4096 bytes");
    const uint32_t req_id = next_req_id_++;
    std::string bytes;
    wire::append_message(bytes, static_cast<uint32_t>(type), req_id, tx, payload);
    SF_TRY(send_bytes(bytes));
    return reply_to(req_id);
}

Result<std::vector<wire::Message>> StoreClient::batch(const std::vector<RawRequest>& requests) {
    const uint32_t first = next_req_id_;
    std::string bytes;
    for (const auto& r : requests)
        wire::append_message(bytes, static_cast<uint32_t>(r.type), next_req_id_++, r.tx, r.payload);
    SF_TRY(send_bytes(bytes));
    std::vector<wire::Message> replies;
    replies.reserve(requests.size());
    for (uint32_t i = 0; i < requests.size(); ++i) {
        SF_TRY_ASSIGN(auto reply, reply_to(first + i));
        replies.push_back(std::move(reply));
    }
    return replies;
}

Result<std::optional<WatchEvent>> StoreClient::wait_event(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (events_.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) return std::optional<WatchEvent>();
        SF_TRY_ASSIGN(auto message, receive(left));
        if (message && message->type() == wire::MsgType::WatchEvent)
            if (auto event = parse_event(message->payload)) events_.push_back(std::move(*event));
    }
    WatchEvent event = std::move(events_.front());
    events_.pop_front();
    return std::optional<WatchEvent>(std::move(event));
}

StoreResult<wire::Message> StoreClient::call(wire::MsgType type, TxId tx, std::string_view payload) {
    auto reply = request(type, tx, payload);
    if (!reply) return StoreError::Io;
    if (reply->type() == wire::MsgType::Error) {
        std::string_view name = reply->payload;
        if (!name.empty() && name.back() == '\0') name.remove_suffix(1);
        return wire::error_from_name(name).value_or(StoreError::Invalid);
    }
    if (reply->type() != type) return StoreError::Io;
    return std::move(*reply);
}

StoreStatus StoreClient::call_ok(wire::MsgType type, TxId tx, std::string_view payload) {
    auto reply = call(type, tx, payload);
    if (!reply) return reply.error();
    return Done{};
}

StoreResult<std::string> StoreClient::read(std::string_view path, TxId tx) {
    auto reply = call(wire::MsgType::Read, tx, with_nul(path));
    if (!reply) return reply.error();
    return std::move(reply->payload);
}

StoreStatus StoreClient::write(std::string_view path, std::string_view value, TxId tx) {
    std::string payload = with_nul(path);
    payload.append(value);
    return call_ok(wire::MsgType::Write, tx, payload);
}

StoreStatus StoreClient::mkdir(std::string_view path, TxId tx) {
    return call_ok(wire::MsgType::Mkdir, tx, with_nul(path));
}

StoreStatus StoreClient::rm(std::string_view path, TxId tx) {
    return call_ok(wire::MsgType::Rm, tx, with_nul(path));
}

StoreResult<std::vector<std::string>> StoreClient::directory(std::string_view path, TxId tx) {
    auto reply = call(wire::MsgType::Directory, tx, with_nul(path));
    if (!reply) return reply.error();
    return split_names(reply->payload);
}

StoreResult<Permissions> StoreClient::get_perms(std::string_view path, TxId tx) {
    auto reply = call(wire::MsgType::GetPerms, tx, with_nul(path));
    if (!reply) return reply.error();
    auto perms = Permissions::parse(reply->payload);
    if (!perms) return StoreError::Io;
    return std::move(*perms);
}

StoreStatus StoreClient::set_perms(std::string_view path, const Permissions& perms, TxId tx) {
    return call_ok(wire::MsgType::SetPerms, tx, with_nul(path) + perms.to_wire());
}

StoreStatus StoreClient::watch(std::string_view path, std::string_view token) {
    return call_ok(wire::MsgType::Watch, 0, with_nul(path) + with_nul(token));
}

StoreStatus StoreClient::unwatch(std::string_view path, std::string_view token) {
    return call_ok(wire::MsgType::Unwatch, 0, with_nul(path) + with_nul(token));
}

StoreResult<TxId> StoreClient::transaction_start() {
    auto reply = call(wire::MsgType::TransactionStart, 0, std::string_view("\0", 1));
    if (!reply) return reply.error();
    std::string_view id = reply->payload;
    if (!id.empty() && id.back() == '\0') id.remove_suffix(1);
    auto tx = args::parse_u32(id);
    if (!tx) return StoreError::Io;
    return *tx;
}

StoreStatus StoreClient::transaction_end(TxId tx, bool commit) {
    return call_ok(wire::MsgType::TransactionEnd, tx,
                   commit ? std::string_view("T\0", 2) : std::string_view("F\0", 2));
}

} // namespace sf::store
