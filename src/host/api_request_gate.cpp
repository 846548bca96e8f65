// superfluid toolstack: the checks a request passes before its route.
#include "host/api_request_gate.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace sf::host {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

bool has_body(const httplib::Request& request) {
    return request.has_header("Transfer-Encoding") ||
           (request.has_header("Content-Length") && request.get_header_value("Content-Length") != "0");
}

// "application/json" or "application/json; charset=utf-8", in any case.
bool is_json(std::string_view content_type) {
    return lower(trim(content_type.substr(0, content_type.find(';')))) == "application/json";
}

bool is_token_path(std::string_view path) {
    return path == "/v1/tokens" || path.starts_with("/v1/tokens/");
}

// The token of "Bearer TOKEN" (the scheme in any case); empty if it is not one.
std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer ";
    authorization = trim(authorization);
    if (authorization.size() <= kScheme.size() || lower(authorization.substr(0, kScheme.size())) != kScheme)
        return {};
    return trim(authorization.substr(kScheme.size()));
}

ApiRefusal refuse(int status, std::string message) {
    return ApiRefusal{status, std::move(message), std::nullopt, false};
}

} // namespace

void ApiRequestGate::set_aside_content_type(httplib::Request& request) {
    request.headers.erase(kSetAsideContentType);
    if (!request.has_header("Content-Type") || is_json(request.get_header_value("Content-Type"))) return;
    request.headers.emplace(kSetAsideContentType, request.get_header_value("Content-Type"));
    request.headers.erase("Content-Type");
    request.headers.emplace("Content-Type", "application/octet-stream");
}

std::optional<ApiRefusal> ApiRequestGate::check(const httplib::Request& request) {
    const std::string type = request.has_header(kSetAsideContentType)
                                 ? request.get_header_value(kSetAsideContentType)
                                 : request.get_header_value("Content-Type");
    if (has_body(request) && !is_json(type))
        return refuse(
            415,
            fmt::format("a request body must be sent as Content-Type: application/json, not {:?}", type));
    if (!options_.remote) return std::nullopt;
    return check_remote(request);
}

std::optional<ApiRefusal> ApiRequestGate::check_remote(const httplib::Request& request) {
    if (request.has_header("Origin"))
        return refuse(403, "requests from web pages (with an Origin header) are refused");
    if (!host_allowed(request.get_header_value("Host")))
        return refuse(421,
                      fmt::format("Host {:?} is not a name of this sfd", request.get_header_value("Host")));
    if (is_token_path(request.path))
        return refuse(403, "tokens are managed on sfd's unix socket only (sfctl --socket PATH token ...)");
    if (auto wait = limiter_.blocked(request.remote_addr)) {
        ApiRefusal refusal = refuse(429, fmt::format("too many failed authentications from {}; retry in {} s",
                                                     request.remote_addr, wait->count()));
        refusal.retry_after = *wait;
        return refusal;
    }
    const std::string authorization = request.get_header_value("Authorization");
    const std::string_view token = bearer_token(authorization);
    if (!token.empty() && options_.tokens && options_.tokens->verify(token)) return std::nullopt;
    limiter_.failed(request.remote_addr);
    ApiRefusal refusal =
        refuse(401, token.empty() ? "this API needs Authorization: Bearer TOKEN (sfctl token create)"
                                  : "the bearer token is not valid (revoked, or mistyped?)");
    refusal.wants_token = true;
    return refusal;
}

bool ApiRequestGate::host_allowed(std::string_view host) const {
    const std::string given = lower(trim(host));
    return std::any_of(options_.hosts.begin(), options_.hosts.end(), [&](const std::string& name) {
        const std::string allowed = lower(name);
        return given == allowed || given == fmt::format("{}:{}", allowed, options_.port);
    });
}

} // namespace sf::host
