// superfluid guest networking app: reading an HTTP/1.x request head (see sf/net/http_request.h).
#include "sf/net/http_request.h"

#include "sf/string.h"

namespace sf::net {

namespace {

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

// One line of the head: [start, end) without its "\r\n"; returns where the next begins.
size_t next_line(const char* h, size_t len, size_t start, size_t* end) {
    size_t e = start;
    while (e < len && h[e] != '\n')
        ++e;
    *end = e > start && h[e - 1] == '\r' ? e - 1 : e;
    return e < len ? e + 1 : len;
}

// "METHOD SP PATH SP HTTP/1.x"
bool parse_request_line(const char* l, size_t n, HttpRequest* r) {
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
bool parse_header(const char* l, size_t n, HttpRequest* r) {
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

} // namespace

size_t http_head_length(const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; ++i) {
        if (p[i] != '\n') continue;
        if (p[i + 1] == '\n') return i + 2;
        if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') return i + 3;
    }
    return 0;
}

HttpRequest parse_http_request(const char* h, size_t len) {
    HttpRequest r;
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

const char* http_reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    default: return "Method Not Allowed";
    }
}

} // namespace sf::net
