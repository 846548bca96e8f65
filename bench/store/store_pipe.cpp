// sf-bench store: StorePipe (see store_pipe.h).
#include "bench/store/store_pipe.h"

#include "common/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace sf::bench {

using store::wire::Message;
using store::wire::MessageView;
using store::wire::Parser;

Result<StorePipe> StorePipe::connect(const std::string& socket_path) {
    SF_TRY_ASSIGN(UniqueFd fd, connect_unix(socket_path, SOCK_STREAM));
    return StorePipe(std::move(fd));
}

uint32_t StorePipe::queue(store::wire::MsgType type, uint32_t tx, std::string_view payload) {
    uint32_t id = next_req_id_++;
    store::wire::append_message(out_, static_cast<uint32_t>(type), id, tx, payload);
    return id;
}

Result<void> StorePipe::flush() {
    size_t sent = 0;
    while (sent < out_.size()) {
        ssize_t n = ::send(fd_.get(), out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error("send to the store: {}", std::strerror(errno));
        sent += static_cast<size_t>(n);
    }
    out_.clear();
    return ok();
}

Result<void> StorePipe::receive(std::vector<Message>& out, int timeout_ms) {
    pollfd p{fd_.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return error("poll: {}", std::strerror(errno));
    if (ready <= 0) return ok();
    char buffer[64 * 1024];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return error("the store closed the connection");
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return ok();
        return error("recv from the store: {}", std::strerror(errno));
    }
    parser_.feed(std::string_view(buffer, static_cast<size_t>(n)));
    MessageView view;
    for (;;) {
        auto status = parser_.next(view);
        if (status == Parser::Status::NeedMore) break;
        if (status == Parser::Status::TooLong) return error("the store sent an oversized message");
        out.push_back(Message{view.header, std::string(view.payload)});
    }
    return ok();
}

Result<Message> StorePipe::call(store::wire::MsgType type, uint32_t tx, std::string_view payload) {
    uint32_t id = queue(type, tx, payload);
    SF_TRY(flush());
    std::vector<Message> got;
    for (;;) {
        SF_TRY(receive(got, 10000));
        if (got.empty()) return error("no reply from the store in 10 s");
        for (auto& message : got) {
            if (message.header.req_id == id && message.type() != store::wire::MsgType::WatchEvent) {
                return std::move(message);
            }
        }
        got.clear();
    }
}

std::string path_payload(std::string_view path) {
    std::string out(path);
    out.push_back('\0');
    return out;
}

std::string write_payload(std::string_view path, std::string_view value) {
    std::string out = path_payload(path);
    out += value;
    return out;
}

std::string watch_payload(std::string_view path, std::string_view token) {
    std::string out = path_payload(path);
    out += token;
    out.push_back('\0');
    return out;
}

} // namespace sf::bench
