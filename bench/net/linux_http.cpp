// sf-linuxnet: HTTP answers; see linux_http.h.
#include "bench/net/linux_http.h"

#include "sf/net/http_request.h"
#include "sf/net/http_server.h"

#include <fmt/format.h>

#include <cstdint>

namespace sf::bench {
namespace {

HttpAnswer answer(int status, const char* type, std::string_view body, bool close) {
    HttpAnswer a;
    a.status = status;
    a.close = close;
    a.bytes = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: superfluid\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n", status,
        net::http_reason(status), type, body.size(), close ? "Connection: close\r\n" : "");
    a.bytes += body;
    return a;
}

} // namespace

size_t http_head_length(std::string_view in) {
    return net::http_head_length(reinterpret_cast<const uint8_t*>(in.data()), in.size());
}

HttpAnswer http_answer(std::string_view head) {
    const net::HttpRequest r = net::parse_http_request(head.data(), head.size());
    if (!r.ok) return answer(400, "text/plain", "bad request\n", true);
    const bool close = !r.keep_alive;
    if (std::string_view(r.method, r.method_len) != "GET")
        return answer(405, "text/plain", "method not allowed\n", close);
    if (std::string_view(r.path, r.path_len) == "/") {
        const std::string_view page(net::HttpServer::kBuiltinPage, sizeof net::HttpServer::kBuiltinPage - 1);
        return answer(200, "text/html", page, close);
    }
    return answer(404, "text/plain", "not found\n", close);
}

} // namespace sf::bench
