// superfluid toolstack: sfd's API routes and their handlers.
#include "host/api_routes.h"
#include "host/transfer_request_parser.h"

#include "host/create_request_parser.h"
#include "host/network_request_parser.h"

#include <httplib.h>

#include <algorithm>

namespace sf::host {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain";

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void send_json(httplib::Response& response, int status, const json& body) {
    response.status = status;
    response.set_content(dump(body), kJson);
}

void send_error(httplib::Response& response, const Error& err) {
    response.status = http_status(err.kind);
    response.set_content(error_body(err.message), kJson);
}

void send_guest(httplib::Response& response, const Result<GuestInfo>& info) {
    if (!info) return send_error(response, info.error());
    send_json(response, 200, to_json(info.value()));
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.starts_with('/')) path.remove_prefix(1);
    while (true) {
        size_t slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) return segments;
        path.remove_prefix(slash + 1);
    }
}

// Whether `path` fits `pattern`; a "{ref}" segment matches any non-empty one, stored in `ref`.
bool path_matches(std::string_view pattern, std::string_view path, std::string& ref) {
    std::vector<std::string_view> want = split_path(pattern), got = split_path(path);
    if (want.size() != got.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "{ref}" && !got[i].empty())
            ref = got[i];
        else if (want[i] != got[i])
            return false;
    }
    return true;
}

bool method_matches(std::string_view route_method, std::string_view method) {
    return route_method == method || (route_method == "GET" && method == "HEAD");
}

} // namespace

int http_status(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::InvalidArgument: return 400;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Conflict: return 409;
    case ErrorKind::ResourceExhausted: return 409;
    case ErrorKind::Unavailable:
    case ErrorKind::Closed: return 503;
    case ErrorKind::PermissionDenied: return 403;
    case ErrorKind::Internal: return 500;
    }
    return 500;
}

std::string error_body(std::string_view message) {
    std::string line(message);
    std::replace_if(
        line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return dump(json{{"error", line}});
}

const std::vector<ApiRoutes::Route>& ApiRoutes::routes() {
    static const std::vector<Route> table{
        {"POST", "/v1/guests", &ApiRoutes::create_guest},
        {"POST", "/v1/guests/restore", &ApiRoutes::restore_guest},
        {"GET", "/v1/guests", &ApiRoutes::list_guests},
        {"GET", "/v1/guests/{ref}", &ApiRoutes::get_guest},
        {"DELETE", "/v1/guests/{ref}", &ApiRoutes::destroy_guest},
        {"POST", "/v1/guests/{ref}/start", &ApiRoutes::start_guest},
        {"POST", "/v1/guests/{ref}/pause", &ApiRoutes::pause_guest},
        {"POST", "/v1/guests/{ref}/resume", &ApiRoutes::resume_guest},
        {"POST", "/v1/guests/{ref}/save", &ApiRoutes::save_guest},
        {"POST", "/v1/guests/{ref}/migrate", &ApiRoutes::migrate_guest},
        {"GET", "/v1/guests/{ref}/logs", &ApiRoutes::guest_logs},
        {"GET", "/v1/guests/{ref}/console", &ApiRoutes::guest_console},
        {"GET", "/v1/host", &ApiRoutes::host_info},
        {"POST", "/v1/networks", &ApiRoutes::create_network},
        {"GET", "/v1/networks", &ApiRoutes::list_networks},
        {"GET", "/v1/networks/{ref}", &ApiRoutes::get_network},
        {"DELETE", "/v1/networks/{ref}", &ApiRoutes::remove_network},
        {"POST", "/v1/tokens", &ApiRoutes::create_token},
        {"GET", "/v1/tokens", &ApiRoutes::list_tokens},
        {"DELETE", "/v1/tokens/{ref}", &ApiRoutes::revoke_token},
    };
    return table;
}

void ApiRoutes::dispatch(const httplib::Request& request, httplib::Response& response) {
    std::string allowed;
    for (const Route& route : routes()) {
        std::string ref;
        if (!path_matches(route.pattern, request.path, ref)) continue;
        if (method_matches(route.method, request.method))
            return (this->*route.handler)(request, response, ref);
        allowed += allowed.empty() ? route.method : std::string(", ") + route.method;
    }
    if (allowed.empty()) return send_error(response, error(ErrorKind::NotFound, "no route {}", request.path));
    response.status = 405;
    response.set_header("Allow", allowed);
    response.set_content(error_body(fmt::format("method {} not allowed on {} (allowed: {})", request.method,
                                                request.path, allowed)),
                         kJson);
}

void ApiRoutes::create_guest(const httplib::Request& request, httplib::Response& response,
                             const std::string&) {
    auto parsed = parse_create_request(request.body);
    if (!parsed) return send_error(response, parsed.error());
    auto info = services_.guests.create(*parsed);
    if (!info) return send_error(response, info.error());
    response.set_header("Location", fmt::format("/v1/guests/{}", info->id));
    send_json(response, 201, to_json(*info));
}

void ApiRoutes::list_guests(const httplib::Request&, httplib::Response& response, const std::string&) {
    auto guests = services_.guests.list();
    if (!guests) return send_error(response, guests.error());
    json array = json::array();
    for (const GuestInfo& info : *guests)
        array.push_back(to_json(info));
    send_json(response, 200, json{{"guests", std::move(array)}});
}

void ApiRoutes::get_guest(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    send_guest(response, services_.guests.info(ref));
}

void ApiRoutes::start_guest(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    send_guest(response, services_.guests.start(ref));
}

void ApiRoutes::pause_guest(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    send_guest(response, services_.guests.pause(ref));
}

void ApiRoutes::resume_guest(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    send_guest(response, services_.guests.resume(ref));
}

void ApiRoutes::destroy_guest(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    auto destroyed = services_.guests.destroy(ref);
    if (!destroyed) return send_error(response, destroyed.error());
    send_json(response, 200, json{{"destroyed", ref}});
}

void ApiRoutes::guest_logs(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    auto text = services_.guests.logs(ref);
    if (!text) return send_error(response, text.error());
    response.status = 200;
    response.set_content(*text, kText);
}

// The stream is chunked: the ring's content, then bytes as the guest writes
// them; it ends with the guest (or is cut when the client goes away).
void ApiRoutes::guest_console(const httplib::Request&, httplib::Response& response, const std::string& ref) {
    auto info = services_.guests.info(ref); // a 404 before any byte of a 200 is sent
    if (!info) return send_error(response, info.error());
    response.status = 200;
    response.set_chunked_content_provider(kText, [this, ref](size_t, httplib::DataSink& sink) {
        auto write = [&sink](std::string_view bytes) { return sink.write(bytes.data(), bytes.size()); };
        try { // this runs after the handler, outside httplib's exception handler
            if (!stream_console(ref, write, sink.is_writable)) return false;
        } catch (const std::exception&) {
            return false; // the 200 is sent: cutting the stream is all that is left
        }
        sink.done();
        return true;
    });
}

bool ApiRoutes::stream_console(const std::string& ref, const std::function<bool(std::string_view)>& write,
                               const std::function<bool()>& is_writable) {
    bool cut = false;
    auto result = services_.guests.follow_console(ref, [&](std::string_view bytes) {
        // Empty bytes are a heartbeat: the client may have gone while the guest was quiet.
        cut = stopping_ || !is_writable() || (!bytes.empty() && !write(bytes));
        return !cut;
    });
    (void)result; // an error here (the guest went away) ends the stream like the guest's end
    return !cut && !stopping_;
}

void ApiRoutes::host_info(const httplib::Request&, httplib::Response& response, const std::string&) {
    auto info = services_.guests.host_info();
    if (!info) return send_error(response, info.error());
    send_json(response, 200, info->json);
}

void ApiRoutes::save_guest(const httplib::Request& request, httplib::Response& response,
                           const std::string& ref) {
    auto parsed = parse_save_request(request.body);
    if (!parsed) return send_error(response, parsed.error());
    auto saved = services_.transfers.save(ref, *parsed);
    if (!saved) return send_error(response, saved.error());
    send_json(response, 200, to_json(*saved));
}

void ApiRoutes::restore_guest(const httplib::Request& request, httplib::Response& response,
                              const std::string&) {
    auto parsed = parse_restore_request(request.body);
    if (!parsed) return send_error(response, parsed.error());
    auto info = services_.transfers.restore(*parsed);
    if (!info) return send_error(response, info.error());
    response.set_header("Location", fmt::format("/v1/guests/{}", info->id));
    send_json(response, 201, to_json(*info));
}

void ApiRoutes::migrate_guest(const httplib::Request& request, httplib::Response& response,
                              const std::string& ref) {
    auto parsed = parse_migrate_request(request.body);
    if (!parsed) return send_error(response, parsed.error());
    auto moved = services_.transfers.migrate(ref, *parsed);
    if (!moved) return send_error(response, moved.error());
    send_json(response, 200, to_json(*moved));
}

void ApiRoutes::create_network(const httplib::Request& request, httplib::Response& response,
                               const std::string&) {
    auto parsed = parse_network_request(request.body);
    if (!parsed) return send_error(response, parsed.error());
    auto info = services_.networks.create_network(*parsed);
    if (!info) return send_error(response, info.error());
    response.set_header("Location", "/v1/networks/" + info->name);
    send_json(response, 201, to_json(*info));
}

void ApiRoutes::list_networks(const httplib::Request&, httplib::Response& response, const std::string&) {
    auto networks = services_.networks.list_networks();
    if (!networks) return send_error(response, networks.error());
    std::sort(networks->begin(), networks->end(),
              [](const NetworkInfo& a, const NetworkInfo& b) { return a.name < b.name; });
    json array = json::array();
    for (const NetworkInfo& info : *networks)
        array.push_back(to_json(info));
    send_json(response, 200, json{{"networks", std::move(array)}});
}

void ApiRoutes::get_network(const httplib::Request&, httplib::Response& response, const std::string& name) {
    auto info = services_.networks.network_info(name);
    if (!info) return send_error(response, info.error());
    send_json(response, 200, to_json(*info));
}

void ApiRoutes::remove_network(const httplib::Request&, httplib::Response& response,
                               const std::string& name) {
    auto removed = services_.networks.remove_network(name);
    if (!removed) return send_error(response, removed.error());
    response.status = 204;
}

Result<ApiTokens*> ApiRoutes::tokens() const {
    if (!tokens_) return error(ErrorKind::Unavailable, "this listener does not manage API tokens");
    return tokens_;
}

// {"name": NAME} -> 201 {"name", "token"}: the secret, shown this once.
void ApiRoutes::create_token(const httplib::Request& request, httplib::Response& response,
                             const std::string&) {
    auto store = tokens();
    if (!store) return send_error(response, store.error());
    auto body = parse_json_object(request.body);
    if (!body) return send_error(response, body.error());
    auto name = body->contains("name")
                    ? string_field((*body)["name"], "name")
                    : Result<std::string>(error(ErrorKind::InvalidArgument, "name: required"));
    if (!name) return send_error(response, name.error());
    auto secret = (*store)->create(*name);
    if (!secret) return send_error(response, secret.error());
    response.set_header("Location", "/v1/tokens/" + *name);
    send_json(response, 201, json{{"name", *name}, {"token", *secret}});
}

void ApiRoutes::list_tokens(const httplib::Request&, httplib::Response& response, const std::string&) {
    auto store = tokens();
    if (!store) return send_error(response, store.error());
    json array = json::array();
    for (const ApiToken& token : (*store)->list())
        array.push_back({{"name", token.name},
                         {"created", token.created},
                         {"sha256_prefix", token.sha256.substr(0, 12)}});
    send_json(response, 200, json{{"tokens", std::move(array)}});
}

void ApiRoutes::revoke_token(const httplib::Request&, httplib::Response& response, const std::string& name) {
    auto store = tokens();
    if (!store) return send_error(response, store.error());
    auto revoked = (*store)->revoke(name);
    if (!revoked) return send_error(response, revoked.error());
    response.status = 204;
}

} // namespace sf::host
