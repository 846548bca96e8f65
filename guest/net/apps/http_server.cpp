// superfluid guest networking app: a tiny HTTP/1.1 server (see sf/net/http_server.h).
#include "sf/net/http_server.h"

#include "sf/net/http_request.h"

#include "sf/format.h"
#include "sf/string.h"

namespace sf::net {

namespace {

constexpr size_t kMaxResponse = 768; // room needed in the output before a request is taken

} // namespace

bool HttpServer::start(Sockets& stack, uint16_t port) {
    stack_ = &stack;
    for (size_t i = 0; i < kConnections; ++i)
        conns_[i].init(in_[i], kInBytes, out_[i], kOutBytes);
    listener_ = stack.tcp_listen(port);
    return listener_ >= 0;
}

bool HttpServer::set_page(const char* page, size_t len) {
    static_assert(kPageMax + 192 <= kMaxResponse, "a set page and its head must fit one response");
    if (page != nullptr && len > kPageMax) return false;
    page_ = page;
    page_len_ = page == nullptr ? 0 : len;
    return true;
}

void HttpServer::service() {
    if (stack_ == nullptr) return;
    stats_.connections += accept_all(*stack_, listener_, conns_, kConnections);
    for (StreamConn& c : conns_)
        if (c.handle >= 0) serve(c);
}

void HttpServer::serve(StreamConn& c) {
    c.push(*stack_);
    for (;;) {
        c.pull(*stack_);
        if (c.close_after || c.out_free() < kMaxResponse) break;
        const size_t n = http_head_length(c.in, c.in_len);
        if (n == 0) {
            if (c.in_len == c.in_cap) { // a head this long is not one we serve
                c.close_after = true;
                ++stats_.bad_requests;
                reply(c, 400, "text/plain", "bad request\n", 12);
            }
            break;
        }
        respond(c, reinterpret_cast<const char*>(c.in), n);
        c.consume(n);
    }
    c.push(*stack_);
    if (c.finished(*stack_, http_head_length(c.in, c.in_len) != 0)) c.close(*stack_);
}

void HttpServer::respond(StreamConn& c, const char* head, size_t len) {
    const HttpRequest r = parse_http_request(head, len);
    if (!r.ok) {
        c.close_after = true;
        ++stats_.bad_requests;
        reply(c, 400, "text/plain", "bad request\n", 12);
        return;
    }
    if (!r.keep_alive) c.close_after = true;
    if (r.method_len != 3 || sf_memcmp(r.method, "GET", 3) != 0) {
        ++stats_.refused_methods;
        reply(c, 405, "text/plain", "method not allowed\n", 19);
    } else if (r.path_len == 1) {
        ++stats_.pages;
        if (page_ != nullptr)
            reply(c, 200, "text/html", page_, page_len_);
        else
            reply(c, 200, "text/html", kBuiltinPage, sizeof kBuiltinPage - 1);
    } else if (r.path_len == 6 && sf_memcmp(r.path, "/stats", 6) == 0) {
        ++stats_.stats;
        ++stats_.requests; // count this one in its own answer
        char body[384];
        const size_t n = stats_json(body, sizeof body);
        --stats_.requests;
        reply(c, 200, "application/json", body, n);
    } else {
        ++stats_.not_found;
        reply(c, 404, "text/plain", "not found\n", 10);
    }
}

void HttpServer::reply(StreamConn& c, int status, const char* type, const char* body, size_t body_len) {
    char head[192];
    const int n = sf_snprintf(head, sizeof head,
                              "HTTP/1.1 %d %s\r\nServer: superfluid\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\n%s\r\n",
                              status, http_reason(status), type, body_len,
                              c.close_after ? "Connection: close\r\n" : "");
    ++stats_.requests;
    // kMaxResponse of room was checked before the request was taken: both fit.
    c.append(head, static_cast<size_t>(n));
    c.append(body, body_len);
}

size_t HttpServer::stats_json(char* buf, size_t size) const {
    const Stats& s = stack_->stats();
    const int n = sf_snprintf(
        buf, size,
        "{\"hits\":%llu,\"pages\":%llu,\"stats\":%llu,\"not_found\":%llu,\"bad_requests\":%llu,"
        "\"connections\":%llu,\"rx_frames\":%llu,\"tx_frames\":%llu,\"tcp_retransmits\":%llu}\n",
        static_cast<unsigned long long>(stats_.requests), static_cast<unsigned long long>(stats_.pages),
        static_cast<unsigned long long>(stats_.stats), static_cast<unsigned long long>(stats_.not_found),
        static_cast<unsigned long long>(stats_.bad_requests),
        static_cast<unsigned long long>(stats_.connections), static_cast<unsigned long long>(s.rx_frames),
        static_cast<unsigned long long>(s.tx_frames), static_cast<unsigned long long>(s.tcp_retransmits));
    return n < 0 ? 0 : (static_cast<size_t>(n) < size ? static_cast<size_t>(n) : size - 1);
}

} // namespace sf::net
