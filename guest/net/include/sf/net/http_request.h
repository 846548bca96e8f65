// superfluid guest networking app: reading an HTTP/1.x request head, portable
// (freestanding: no allocation, no exceptions). HttpServer answers with it, and
// so does sf-bench net's Linux baseline (bench/net/linux_http.h), so both
// accept and refuse the same requests.
#ifndef SF_NET_HTTP_REQUEST_H
#define SF_NET_HTTP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

namespace sf::net {

// One request head. method and path point into the text parsed.
struct HttpRequest {
    bool ok = false;        // "METHOD SP /PATH SP HTTP/1.0|1.1", well-formed headers, no body
    bool keep_alive = true; // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "keep-alive"
    const char* method = nullptr;
    size_t method_len = 0;
    const char* path = nullptr; // starts with '/'
    size_t path_len = 0;
};

// The length of the request head at `p` through its blank line ("\r\n\r\n" or "\n\n"); 0 while it
// is not complete.
size_t http_head_length(const uint8_t* p, size_t n);

// Parses one complete head (as http_head_length() cut it). A malformed request line or header
// line, a Content-Length other than 0 or any Transfer-Encoding gives ok = false.
HttpRequest parse_http_request(const char* head, size_t len);

// The reason phrase for the statuses answered: 200, 400, 404, else 405's.
const char* http_reason(int status);

} // namespace sf::net

#endif
