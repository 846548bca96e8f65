// sfctl: the client of sfd's API.
#include "cli/client.h"

#include <httplib.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace sf::cli {
namespace {

using nlohmann::json;

constexpr time_t kConnectTimeoutSec = 5;
constexpr time_t kRequestTimeoutSec = 15 * 60; // a create may wait for the guest's first output
// A quiet guest is not a failure; httplib polls in int milliseconds, so at most ~24 days.
constexpr time_t kFollowTimeoutSec = 24 * 24 * 3600;

// Why a connection to `address` fails, from a connect() of our own (httplib does not keep errno).
std::string connect_failure(const DaemonAddress& address) {
    int fd = -1;
    if (!address.socket_path.empty()) {
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        address.socket_path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) errno = 0;
    } else {
        addrinfo hints{}, *found = nullptr;
        hints.ai_socktype = SOCK_STREAM;
        int rc = ::getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(), &hints, &found);
        if (rc != 0) return ::gai_strerror(rc);
        fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) errno = 0;
        ::freeaddrinfo(found);
    }
    int saved = errno;
    if (fd >= 0) ::close(fd);
    return saved != 0 ? std::strerror(saved) : "connection failed";
}

Error transport_error(const DaemonAddress& address, httplib::Error failure) {
    using httplib::Error;
    if (failure == Error::Connection || failure == Error::ConnectionTimeout)
        return error(ErrorKind::Unavailable, "cannot reach sfd at {}: {} (is sfd running?)",
                     address.to_string(), connect_failure(address));
    if (failure == Error::SSLServerVerification)
        return error(ErrorKind::Unavailable,
                     "sfd at {}: its TLS certificate is not signed by the --ca given, or not "
                     "for this address",
                     address.to_string());
    if (failure == Error::SSLConnection)
        return error(ErrorKind::Unavailable,
                     "sfd at {}: the TLS 1.3 handshake failed (does it speak TLS? check --ca)",
                     address.to_string());
    if (failure == Error::SSLLoadingCerts)
        return error(ErrorKind::InvalidArgument, "cannot load the CA file given with --ca");
    const char* what = failure == Error::Read    ? "no answer (the connection closed or timed out)"
                       : failure == Error::Write ? "could not send the request"
                                                 : "the request failed";
    return error(ErrorKind::Unavailable, "lost connection to sfd at {}: {}", address.to_string(), what);
}

Error http_error(int status, const std::string& body) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string())
        return error("{}", parsed["error"].get<std::string>());
    return error("sfd answered HTTP {}", status);
}

Result<int> parse_port(std::string_view text) {
    int port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535)
        return error(ErrorKind::InvalidArgument, "--host: bad port '{}'", text);
    return port;
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '~';
        out += plain ? std::string(1, c) : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

} // namespace

Result<DaemonAddress> DaemonAddress::resolve(const std::string& socket_path, const std::string& host_port) {
    DaemonAddress address;
    if (!host_port.empty()) {
        size_t colon = host_port.rfind(':');
        if (colon == std::string::npos || colon == 0)
            return error(ErrorKind::InvalidArgument,
                         "--host: expected HOST:PORT, e.g. 127.0.0.1:8080, got '{}'", host_port);
        address.host = host_port.substr(0, colon);
        SF_TRY_ASSIGN(address.port, parse_port(std::string_view(host_port).substr(colon + 1)));
        return address;
    }
    address.socket_path = socket_path.empty() ? kDefaultSocket : socket_path;
    if (address.socket_path.size() >= sizeof(sockaddr_un::sun_path))
        return error(ErrorKind::InvalidArgument, "--socket: path '{}' is too long (at most {} bytes)",
                     address.socket_path, sizeof(sockaddr_un::sun_path) - 1);
    return address;
}

std::string DaemonAddress::to_string() const {
    return socket_path.empty() ? fmt::format("{}:{}", host, port) : socket_path;
}

std::string guest_path(std::string_view ref) {
    return "/v1/guests/" + percent_encode(ref);
}

std::string network_path(std::string_view name) {
    return "/v1/networks/" + percent_encode(name);
}

Result<SfdClient> SfdClient::open(const DaemonAddress& address, const ClientCredentials& credentials) {
    std::unique_ptr<httplib::Client> http;
    if (address.socket_path.empty() && !credentials.ca_file.empty()) {
        http = std::make_unique<httplib::Client>(fmt::format("https://{}:{}", address.host, address.port));
        http->set_ca_cert_path(credentials.ca_file.c_str());
        http->enable_server_certificate_verification(true);
        if (SSL_CTX_set_min_proto_version(http->ssl_context(), TLS1_3_VERSION) != 1)
            return error("this OpenSSL cannot do TLS 1.3");
    } else if (address.socket_path.empty()) {
        http = std::make_unique<httplib::Client>(address.host, address.port);
    } else {
        http = std::make_unique<httplib::Client>(address.socket_path, 80);
        http->set_address_family(AF_UNIX);
    }
    http->set_connection_timeout(kConnectTimeoutSec, 0);
    http->set_read_timeout(kRequestTimeoutSec, 0);
    http->set_write_timeout(kConnectTimeoutSec, 0);
    http->set_decompress(false);
    http->set_keep_alive(true); // sf-bench makes thousands of requests on one client
    if (address.socket_path.empty() && !credentials.token.empty())
        http->set_bearer_token_auth(credentials.token.c_str());
    return SfdClient(address, std::move(http));
}

SfdClient::SfdClient(DaemonAddress address, std::unique_ptr<httplib::Client> http)
    : address_(std::move(address)), http_(std::move(http)) {}
SfdClient::SfdClient(SfdClient&&) noexcept = default;
SfdClient::~SfdClient() = default;

Result<std::string> SfdClient::call_raw(std::string_view method, const std::string& path,
                                        const std::string& body) {
    httplib::Result r = method == "GET"    ? http_->Get(path)
                        : method == "POST" ? http_->Post(path, body, "application/json")
                                           : http_->Delete(path);
    if (!r) return transport_error(address_, r.error());
    if (r->status >= 400) return http_error(r->status, r->body);
    return std::move(r->body);
}

Result<json> SfdClient::call(std::string_view method, const std::string& path, const std::string& body) {
    SF_TRY_ASSIGN(std::string text, call_raw(method, path, body));
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) return error("sfd sent malformed JSON for {} {}", method, path);
    return parsed;
}

Result<json> SfdClient::create(const json& body) {
    return call("POST", "/v1/guests", body.dump());
}

Result<json> SfdClient::list() {
    SF_TRY_ASSIGN(json answer, call("GET", "/v1/guests"));
    if (!answer.contains("guests") || !answer["guests"].is_array()) return error("sfd sent no guest list");
    return answer["guests"];
}

Result<json> SfdClient::info(std::string_view ref) {
    return call("GET", guest_path(ref));
}

Result<json> SfdClient::act(std::string_view ref, std::string_view action) {
    return call("POST", fmt::format("{}/{}", guest_path(ref), action));
}

Result<json> SfdClient::act(std::string_view ref, std::string_view action, const json& body) {
    return call("POST", fmt::format("{}/{}", guest_path(ref), action), body.dump());
}

Result<json> SfdClient::restore(const json& body) {
    return call("POST", "/v1/guests/restore", body.dump());
}

Result<void> SfdClient::destroy(std::string_view ref) {
    SF_TRY(call("DELETE", guest_path(ref)));
    return ok();
}

Result<std::string> SfdClient::logs(std::string_view ref) {
    return call_raw("GET", guest_path(ref) + "/logs", "");
}

Result<json> SfdClient::host_info() {
    return call("GET", "/v1/host");
}

Result<json> SfdClient::create_network(std::string_view name, std::string_view subnet) {
    json body{{"name", name}, {"subnet", subnet}};
    return call("POST", "/v1/networks", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<json> SfdClient::list_networks() {
    SF_TRY_ASSIGN(json answer, call("GET", "/v1/networks"));
    if (!answer.contains("networks") || !answer["networks"].is_array())
        return error("sfd sent no network list");
    return answer["networks"];
}

Result<json> SfdClient::network_info(std::string_view name) {
    return call("GET", network_path(name));
}

Result<void> SfdClient::remove_network(std::string_view name) {
    SF_TRY(call_raw("DELETE", network_path(name), ""));
    return ok();
}

Result<json> SfdClient::create_token(std::string_view name) {
    return call("POST", "/v1/tokens",
                json{{"name", name}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<json> SfdClient::list_tokens() {
    SF_TRY_ASSIGN(json answer, call("GET", "/v1/tokens"));
    if (!answer.contains("tokens") || !answer["tokens"].is_array()) return error("sfd sent no token list");
    return answer["tokens"];
}

Result<void> SfdClient::revoke_token(std::string_view name) {
    SF_TRY(call_raw("DELETE", "/v1/tokens/" + percent_encode(name), ""));
    return ok();
}

Result<void> SfdClient::follow_console(std::string_view ref,
                                       const std::function<bool(std::string_view)>& on_bytes) {
    int status = 0;
    bool cut_by_caller = false;
    std::string error_body; // a 4xx/5xx's body is an error, not console output
    http_->set_read_timeout(kFollowTimeoutSec, 0);
    httplib::Result r = http_->Get(
        guest_path(ref) + "/console",
        [&](const httplib::Response& response) {
            status = response.status;
            return true;
        },
        [&](const char* data, size_t size) {
            if (status >= 400) {
                error_body.append(data, size);
                return true;
            }
            cut_by_caller = !on_bytes(std::string_view(data, size));
            return !cut_by_caller;
        });
    http_->set_read_timeout(kRequestTimeoutSec, 0);
    if (cut_by_caller) return ok();
    if (!r) return transport_error(address_, r.error());
    if (r->status >= 400) return http_error(r->status, error_body);
    return ok();
}

void SfdClient::stop() {
    http_->stop();
}

} // namespace sf::cli
