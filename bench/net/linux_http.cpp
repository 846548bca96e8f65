// sf-linuxnet: HTTP answers; see linux_http.h.
#include "bench/net/linux_http.h"

#include "sf/net/http_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sf::bench {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

struct Request {
    bool ok = false, keep_alive = true;
    std::string_view method, path;
};

// "METHOD SP PATH SP HTTP/1.x", PATH starting with '/'.
bool parse_request_line(std::string_view line, Request& r) {
    const size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos) return false;
    const size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
    const std::string_view version = line.substr(sp2 + 1);
    if (version != "HTTP/1.0" && version != "HTTP/1.1") return false;
    r.method = line.substr(0, sp1);
    r.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    r.keep_alive = version == "HTTP/1.1";
    return r.path.front() == '/';
}

// One header line; false if malformed or announcing a body.
bool parse_header(std::string_view line, Request& r) {
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    const std::string name = lower(line.substr(0, colon));
    const std::string value = lower(trim(line.substr(colon + 1)));
    if (name == "connection") {
        if (value.find("close") != std::string::npos) r.keep_alive = false;
        if (value.find("keep-alive") != std::string::npos) r.keep_alive = true;
    } else if (name == "content-length") {
        return value.find_first_not_of('0') == std::string::npos;
    } else if (name == "transfer-encoding") {
        return false;
    }
    return true;
}

Request parse(std::string_view head) {
    Request r;
    bool first = true;
    while (!head.empty()) {
        const size_t end = head.find('\n');
        std::string_view line = head.substr(0, end);
        head.remove_prefix(end == std::string_view::npos ? head.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (first) {
            if (!parse_request_line(line, r)) return r;
            first = false;
            continue;
        }
        if (line.empty()) break; // the blank line
        if (!parse_header(line, r)) return r;
    }
    r.ok = !first;
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

HttpAnswer answer(int status, const char* type, std::string_view body, bool close) {
    HttpAnswer a;
    a.status = status;
    a.close = close;
    a.bytes = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: superfluid\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n", status,
        reason(status), type, body.size(), close ? "Connection: close\r\n" : "");
    a.bytes += body;
    return a;
}

} // namespace

size_t http_head_length(std::string_view in) {
    for (size_t i = 0; i + 1 < in.size(); ++i) {
        if (in[i] != '\n') continue;
        if (in[i + 1] == '\n') return i + 2;
        if (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') return i + 3;
    }
    return 0;
}

HttpAnswer http_answer(std::string_view head) {
    const Request r = parse(head);
    if (!r.ok) return answer(400, "text/plain", "bad request\n", true);
    const bool close = !r.keep_alive;
    if (r.method != "GET") return answer(405, "text/plain", "method not allowed\n", close);
    if (r.path == "/") {
        const std::string_view page(net::HttpServer::kBuiltinPage, sizeof net::HttpServer::kBuiltinPage - 1);
        return answer(200, "text/html", page, close);
    }
    return answer(404, "text/plain", "not found\n", close);
}

} // namespace sf::bench
