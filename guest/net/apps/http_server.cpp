// superfluid guest networking app: a tiny HTTP/1.1 server (see sf/net/http_server.h).
#include "sf/net/http_server.h"

#include "sf/format.h"
#include "sf/string.h"

namespace sf::net {

namespace {

constexpr size_t kMaxResponse = 768; // room needed in the output before a request is taken

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True if [p, p+n) equals the lower-case `word`, ignoring case.
bool ieq(const char* p, size_t n, const char* word) {
    size_t i = 0;
    for (; i < n && word[i] != '\0'; ++i)
        if (lower(p[i]) != word[i]) return false;
    return i == n && word[i] == '\0';
}

// True if `word` (lower case) occurs in [p, p+n), ignoring case.
bool icontains(const char* p, size_t n, const char* word) {
    const size_t w = sf_strlen(word);
    for (size_t i = 0; i + w <= n; ++i)
        if (ieq(p + i, w, word)) return true;
    return false;
}

// Length of the request head through its blank line, or 0 if it is not complete.
size_t head_length(const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; ++i) {
        if (p[i] != '\n') continue;
        if (p[i + 1] == '\n') return i + 2;
        if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') return i + 3;
    }
    return 0;
}

// One line of the head: [start, end) without its "\r\n"; returns where the next begins.
size_t next_line(const char* h, size_t len, size_t start, size_t* end) {
    size_t e = start;
    while (e < len && h[e] != '\n')
        ++e;
    *end = e > start && h[e - 1] == '\r' ? e - 1 : e;
    return e < len ? e + 1 : len;
}

struct Request {
    bool ok = false, keep_alive = true;
    const char* method = nullptr;
    size_t method_len = 0;
    const char* path = nullptr;
    size_t path_len = 0;
};

// "METHOD SP PATH SP HTTP/1.x"
bool parse_request_line(const char* l, size_t n, Request* r) {
    const char* sp1 = static_cast<const char*>(sf_memchr(l, ' ', n));
    if (sp1 == nullptr || sp1 == l) return false;
    const size_t rest = n - static_cast<size_t>(sp1 + 1 - l);
    const char* sp2 = static_cast<const char*>(sf_memchr(sp1 + 1, ' ', rest));
    if (sp2 == nullptr || sp2 == sp1 + 1) return false;
    const size_t vlen = n - static_cast<size_t>(sp2 + 1 - l);
    if (vlen != 8 || sf_memcmp(sp2 + 1, "HTTP/1.", 7) != 0) return false;
    if (sp2[8] != '0' && sp2[8] != '1') return false;
    r->method = l;
    r->method_len = static_cast<size_t>(sp1 - l);
    r->path = sp1 + 1;
    r->path_len = static_cast<size_t>(sp2 - sp1 - 1);
    r->keep_alive = sp2[8] == '1';
    return r->path[0] == '/';
}

// A header line: Connection decides keep-alive; a body (Content-Length > 0 or
// Transfer-Encoding) is not accepted. False if the line is malformed or refused.
bool parse_header(const char* l, size_t n, Request* r) {
    const char* colon = static_cast<const char*>(sf_memchr(l, ':', n));
    if (colon == nullptr || colon == l) return false;
    const size_t name_len = static_cast<size_t>(colon - l);
    const char* v = colon + 1;
    size_t vlen = n - name_len - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t'))
        ++v, --vlen;
    if (ieq(l, name_len, "connection")) {
        if (icontains(v, vlen, "close")) r->keep_alive = false;
        if (icontains(v, vlen, "keep-alive")) r->keep_alive = true;
    } else if (ieq(l, name_len, "content-length")) {
        for (size_t i = 0; i < vlen; ++i)
            if (v[i] != '0') return false;
    } else if (ieq(l, name_len, "transfer-encoding")) {
        return false;
    }
    return true;
}

Request parse(const char* h, size_t len) {
    Request r;
    size_t end = 0;
    size_t next = next_line(h, len, 0, &end);
    if (!parse_request_line(h, end, &r)) return r;
    while (next < len) {
        const size_t start = next;
        next = next_line(h, len, start, &end);
        if (end == start) break; // the blank line
        if (!parse_header(h + start, end - start, &r)) return r;
    }
    r.ok = true;
    return r;
}

const char* reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    default: return "Method Not Allowed";
    }
}

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
        const size_t n = head_length(c.in, c.in_len);
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
    if (c.finished(*stack_, head_length(c.in, c.in_len) != 0)) c.close(*stack_);
}

void HttpServer::respond(StreamConn& c, const char* head, size_t len) {
    const Request r = parse(head, len);
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
    const int n =
        sf_snprintf(head, sizeof head,
                    "HTTP/1.1 %d %s\r\nServer: superfluid\r\nContent-Type: %s\r\n"
                    "Content-Length: %zu\r\n%s\r\n",
                    status, reason(status), type, body_len, c.close_after ? "Connection: close\r\n" : "");
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
