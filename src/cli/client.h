// sfctl: SfdClient, the client side of sfd's API (docs/api.yaml) over a unix
// socket or TCP. Every failure is one line: "cannot reach sfd at ADDRESS: ...
// (is sfd running?)" when nothing answers, the API's own "error" text when
// sfd refuses a request.
//
// Threading: one request at a time, except stop(), which may be called from
// another thread to cut a follow_console() in progress.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace httplib {
class Client;
} // namespace httplib

namespace sf::cli {

struct DaemonAddress {
    static constexpr const char* kDefaultSocket = "/run/superfluid/sfd.sock";

    std::string socket_path; // a unix socket, or else:
    std::string host;        // TCP
    int port = 0;

    // `host_port` ("127.0.0.1:8080") wins when given; else `socket_path`; else the default socket.
    static Result<DaemonAddress> resolve(const std::string& socket_path, const std::string& host_port);
    std::string to_string() const;
};

// How a TCP client proves itself and checks sfd (the unix socket needs neither).
struct ClientCredentials {
    std::string ca_file; // set: TLS 1.3, sfd's certificate checked against this CA (PEM)
    std::string token;   // set: sent as Authorization: Bearer TOKEN
};

class SfdClient {
  public:
    static Result<SfdClient> open(const DaemonAddress& address, const ClientCredentials& credentials = {});
    SfdClient(SfdClient&&) noexcept;
    ~SfdClient();

    // The body of POST /v1/guests (see docs/api.yaml); returns the new guest.
    Result<nlohmann::json> create(const nlohmann::json& body);
    Result<nlohmann::json> list(); // the guests, a JSON array
    Result<nlohmann::json> info(std::string_view ref);
    // `action`: "start", "pause" or "resume"; returns the guest.
    Result<nlohmann::json> act(std::string_view ref, std::string_view action);
    // POST /v1/guests/REF/ACTION with a JSON body (save, migrate).
    Result<nlohmann::json> act(std::string_view ref, std::string_view action, const nlohmann::json& body);
    // POST /v1/guests/restore.
    Result<nlohmann::json> restore(const nlohmann::json& body);
    Result<void> destroy(std::string_view ref);
    Result<std::string> logs(std::string_view ref);
    Result<nlohmann::json> host_info();

    // Networks: POST /v1/networks returns the new network; list() the
    // networks (a JSON array, sorted by name); remove answers nothing (204).
    Result<nlohmann::json> create_network(std::string_view name, std::string_view subnet);
    Result<nlohmann::json> list_networks();
    Result<nlohmann::json> network_info(std::string_view name);
    Result<void> remove_network(std::string_view name);

    // API tokens (sfd serves these on its unix socket only): create returns
    // {"name", "token"} (the secret, shown once), list the tokens (a JSON
    // array of {"name", "created", "sha256_prefix"}).
    Result<nlohmann::json> create_token(std::string_view name);
    Result<nlohmann::json> list_tokens();
    Result<void> revoke_token(std::string_view name);

    // Passes the console's bytes to `on_bytes` as they come, until the guest
    // ends; returns early (successfully) when `on_bytes` returns false.
    Result<void> follow_console(std::string_view ref, const std::function<bool(std::string_view)>& on_bytes);
    // Cuts the request in flight (follow_console then fails with "lost
    // connection", which the caller that stopped it ignores). Call it again
    // if the request had not started yet.
    void stop();

    const DaemonAddress& address() const { return address_; }

  private:
    SfdClient(DaemonAddress address, std::unique_ptr<httplib::Client> http);
    Result<nlohmann::json> call(std::string_view method, const std::string& path,
                                const std::string& body = "");
    Result<std::string> call_raw(std::string_view method, const std::string& path, const std::string& body);

    DaemonAddress address_;
    std::unique_ptr<httplib::Client> http_;
};

// "/v1/guests/" + the ref, percent-encoded.
std::string guest_path(std::string_view ref);
// "/v1/networks/" + the name, percent-encoded.
std::string network_path(std::string_view name);

} // namespace sf::cli
