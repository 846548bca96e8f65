// superfluid toolstack: ApiRequestGate, what a request must show before any
// route sees it (ApiServer asks once httplib has read the body, at most
// 64 KiB: a refusal is then an ordinary answer on a connection that stays
// usable).
//
// On every listener:
// - a request with a body must say `Content-Type: application/json` (415
//   otherwise): a web page can post text/plain or a form without asking the
//   browser's permission, but not JSON.
// On a TCP listener ("remote"), in this order:
// - no `Origin` header (403): browsers send one, sfctl and curl do not;
// - `Host` is one of this listener's names (421): a DNS-rebound page names
//   its own host;
// - /v1/tokens is not served (403): tokens are managed on the unix socket;
// - a peer over its failure budget is refused (429 with Retry-After) before
//   its token is looked at (AuthFailureLimiter);
// - `Authorization: Bearer TOKEN` with a token of ApiTokens (401 with
//   `WWW-Authenticate: Bearer` otherwise, counted as a failure).
//
// Threading: check() may run on many pool threads at once.
#pragma once

#include "host/api_tokens.h"
#include "host/auth_failure_limiter.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
struct Request;
} // namespace httplib

namespace sf::host {

struct ApiRefusal {
    int status = 400;
    std::string message;
    std::optional<std::chrono::seconds> retry_after; // 429: Retry-After
    bool wants_token = false;                        // 401: WWW-Authenticate: Bearer
};

class ApiRequestGate {
  public:
    // Where ApiServer keeps a request's own Content-Type when it is not JSON
    // (any such header from the client is dropped first). httplib would parse
    // a form or multipart body itself, before any handler, and answer a bad
    // one with a bare 400; the body is read as plain bytes instead, and the
    // gate answers 415 from this header.
    static constexpr const char* kSetAsideContentType = "X-Sf-Set-Aside-Content-Type";
    // Does that to `request` (httplib's own copy, in its pre-routing handler).
    static void set_aside_content_type(httplib::Request& request);

    struct Options {
        bool remote = false;               // a TCP listener: the checks after Content-Type apply
        const ApiTokens* tokens = nullptr; // with remote: required, outlives the gate
        std::vector<std::string> hosts;    // with remote: the names and addresses clients may use
        int port = 0;                      // with remote: `Host` may carry this port
    };

    explicit ApiRequestGate(Options options) : options_(std::move(options)) {}

    // Why the request is refused; nothing if it may go on to its route.
    std::optional<ApiRefusal> check(const httplib::Request& request);

  private:
    std::optional<ApiRefusal> check_remote(const httplib::Request& request);
    bool host_allowed(std::string_view host) const;

    Options options_;
    AuthFailureLimiter limiter_;
};

} // namespace sf::host
