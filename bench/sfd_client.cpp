// sf-bench: sfd API client; see sfd_client.h.
//
// cpp-httplib must be compiled with the same CPPHTTPLIB_* defines as
// Debian's libcpp-httplib (pkg-config cpp-httplib), or its classes' layouts
// differ from the library's and it crashes; bench/CMakeLists.txt does that.
#include "sfd_client.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

namespace sf::bench {
namespace {

// The message of a failed request: the transport error or the status and the
// server's error text.
Error request_error(const char* what, const httplib::Result& result) {
    if (!result && result.error() == httplib::Error::Connection) return error("{}: cannot connect", what);
    if (!result) return error("{}: {} error", what, httplib::to_string(result.error()));
    std::string message = result->body;
    auto body = nlohmann::json::parse(result->body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_string())
        message = body["error"].get<std::string>();
    if (message.size() > 200) message.resize(200);
    return error("{}: HTTP {}: {}", what, result->status, message);
}

Result<nlohmann::json> parse_object(const char* what, const std::string& text) {
    auto body = nlohmann::json::parse(text, nullptr, false);
    if (!body.is_object()) return error("{}: the response is not a JSON object", what);
    return body;
}

} // namespace

SfdClient::SfdClient(const std::string& socket_path)
    : http_(std::make_unique<httplib::Client>(socket_path, 80)) {
    http_->set_address_family(AF_UNIX);
    http_->set_keep_alive(true);
    http_->set_connection_timeout(std::chrono::seconds(5));
    http_->set_write_timeout(std::chrono::seconds(10));
    http_->set_read_timeout(std::chrono::seconds(60));
}

SfdClient::~SfdClient() = default;

Result<nlohmann::json> SfdClient::host() {
    auto result = http_->Get("/v1/host");
    if (!result || result->status != 200) return request_error("GET /v1/host", result);
    return parse_object("GET /v1/host", result->body);
}

Result<CreatedGuest> SfdClient::create_guest(const GuestRequest& request) {
    const std::string body =
        nlohmann::json{
            {"image", request.image},
            {"name", request.name},
            {"mem", request.mem},
            {"cmdline", request.cmdline},
            {"start", true},
            {"wait", "output"},
            {"wait_timeout_ms", request.wait_timeout.count()},
        }
            .dump();
    const auto start = std::chrono::steady_clock::now();
    auto result = http_->Post("/v1/guests", body, "application/json");
    const auto end = std::chrono::steady_clock::now();
    if (!result || result->status != 201) return request_error("POST /v1/guests", result);
    SF_TRY_ASSIGN(nlohmann::json guest, parse_object("POST /v1/guests", result->body));
    CreatedGuest created;
    created.client_ms = std::chrono::duration<double, std::milli>(end - start).count();
    if (!guest.contains("id") || !guest["id"].is_number_unsigned())
        return error("POST /v1/guests: the guest object has no numeric id");
    created.id = guest["id"].get<uint64_t>();
    if (guest.contains("first_output_ms") && guest["first_output_ms"].is_number())
        created.first_output_ms = guest["first_output_ms"].get<double>();
    return created;
}

Result<void> SfdClient::destroy_guest(uint64_t id) {
    auto result = http_->Delete("/v1/guests/" + std::to_string(id));
    if (!result || result->status / 100 != 2) return request_error("DELETE /v1/guests", result);
    return ok();
}

} // namespace sf::bench
