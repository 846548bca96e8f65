// sf-bench migrate: API requests; see migrate_api.h.
#include "bench/migrate/migrate_api.h"

#include "common/json_fields.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <string_view>

namespace sf::bench {
namespace {

double number(const nlohmann::json& body, const char* name) {
    const nlohmann::json* field = json_field(body, name);
    return field != nullptr && field->is_number() ? field->get<double>() : 0;
}

} // namespace

MigrateReply parse_migrate_reply(const nlohmann::json& body) {
    MigrateReply reply;
    reply.total_ms = number(body, "total_ms");
    reply.downtime_ms = number(body, "downtime_ms");
    reply.bytes_sent = static_cast<uint64_t>(number(body, "bytes_sent"));
    reply.rounds = static_cast<uint64_t>(number(body, "rounds"));
    if (const nlohmann::json* phases = json_field(body, "phases"); phases != nullptr && phases->is_object())
        reply.phases = *phases;
    return reply;
}

MigrateApi::MigrateApi(const std::string& socket_path)
    : http_(std::make_unique<httplib::Client>(socket_path, 80)) {
    http_->set_address_family(AF_UNIX);
    http_->set_connection_timeout(5, 0);
    http_->set_read_timeout(120, 0); // a migration that hangs ends at sfd's own timeout first
    http_->set_write_timeout(5, 0);
    http_->set_keep_alive(true);
}

MigrateApi::~MigrateApi() = default;

Result<nlohmann::json> MigrateApi::call(const char* method, const std::string& path,
                                        const std::string& body) {
    const std::string_view m = method;
    httplib::Result r = m == "GET"    ? http_->Get(path)
                        : m == "POST" ? http_->Post(path, body, "application/json")
                                      : http_->Delete(path);
    if (!r) return error("{} {}: {}", method, path, httplib::to_string(r.error()));
    nlohmann::json parsed = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status >= 400) {
        const nlohmann::json* text = parsed.is_object() ? json_field(parsed, "error") : nullptr;
        return error("{} {}: HTTP {}: {}", method, path, r->status,
                     text != nullptr && text->is_string() ? text->get<std::string>() : r->body);
    }
    return parsed.is_discarded() ? nlohmann::json() : parsed;
}

Result<void> MigrateApi::warm_up() {
    SF_TRY(call("GET", "/v1/host", ""));
    return ok();
}

Result<MigrateReply> MigrateApi::migrate(const std::string& name, const std::string& to) {
    const std::string body = nlohmann::json{{"to", to}}.dump();
    const auto start = std::chrono::steady_clock::now();
    Result<nlohmann::json> answer = call("POST", "/v1/guests/" + name + "/migrate", body);
    const auto end = std::chrono::steady_clock::now();
    SF_TRY(answer);
    MigrateReply reply = parse_migrate_reply(*answer);
    reply.client_ms = std::chrono::duration<double, std::milli>(end - start).count();
    return reply;
}

Result<void> MigrateApi::act(const std::string& name, const std::string& action) {
    SF_TRY(call("POST", "/v1/guests/" + name + "/" + action, ""));
    return ok();
}

Result<void> MigrateApi::destroy(const std::string& name) {
    SF_TRY(call("DELETE", "/v1/guests/" + name, ""));
    return ok();
}

} // namespace sf::bench
