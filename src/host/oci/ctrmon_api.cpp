// superfluid toolstack: the container monitor's operations' codec.
#include "host/oci/ctrmon_api.h"

namespace sf::host::ctrmon {

// Each field by name; a missing or mistyped one throws (fields_as turns that into an Error).
void to_json(nlohmann::json& j, const Run& v) {
    j = {{"id", v.id},
         {"bundle", v.bundle},
         {"cgroup", v.cgroup},
         {"ring_size", v.ring_size},
         {"start", v.start},
         {"log_path", v.log_path},
         {"log_max_bytes", v.log_max_bytes}};
}
void from_json(const nlohmann::json& j, Run& v) {
    j.at("id").get_to(v.id);
    j.at("bundle").get_to(v.bundle);
    j.at("cgroup").get_to(v.cgroup);
    j.at("ring_size").get_to(v.ring_size);
    j.at("start").get_to(v.start);
    j.at("log_path").get_to(v.log_path);
    j.at("log_max_bytes").get_to(v.log_max_bytes);
}
void to_json(nlohmann::json& j, const Status& v) {
    j = {{"console_bytes", v.console_bytes}};
}
void from_json(const nlohmann::json& j, Status& v) {
    j.at("console_bytes").get_to(v.console_bytes);
}
void to_json(nlohmann::json& j, const HeldContainer& v) {
    j = {{"id", v.id},
         {"state", v.state},
         {"status", v.status ? nlohmann::json(*v.status) : nlohmann::json(nullptr)},
         {"reason", v.reason ? nlohmann::json(*v.reason) : nlohmann::json(nullptr)},
         {"console_bytes", v.console_bytes}};
}
void from_json(const nlohmann::json& j, HeldContainer& v) {
    j.at("id").get_to(v.id);
    j.at("state").get_to(v.state);
    if (!j.at("status").is_null()) v.status = j.at("status").get<int32_t>();
    if (!j.at("reason").is_null()) v.reason = j.at("reason").get<std::string>();
    j.at("console_bytes").get_to(v.console_bytes);
}
void to_json(nlohmann::json& j, const Held& v) {
    j = {{"containers", v.containers}};
}
void from_json(const nlohmann::json& j, Held& v) {
    j.at("containers").get_to(v.containers);
}
void to_json(nlohmann::json& j, const Stats& v) {
    j = {{"containers", v.containers}, {"pid", v.pid}, {"rss_kib", v.rss_kib}, {"fds", v.fds}};
}
void from_json(const nlohmann::json& j, Stats& v) {
    j.at("containers").get_to(v.containers);
    j.at("pid").get_to(v.pid);
    j.at("rss_kib").get_to(v.rss_kib);
    j.at("fds").get_to(v.fds);
}

std::string encode_request(std::string_view op, nlohmann::json fields) {
    fields["op"] = op;
    return fields.dump();
}

Result<std::pair<std::string, nlohmann::json>> decode_request(std::string_view payload) {
    nlohmann::json object = nlohmann::json::parse(payload, nullptr, false);
    if (!object.is_object() || !object.contains("op") || !object["op"].is_string())
        return error(ErrorKind::InvalidArgument, "container monitor: a request without an op");
    std::string op = object["op"].get<std::string>();
    object.erase("op");
    return std::pair{std::move(op), std::move(object)};
}

std::string encode_ok(nlohmann::json fields) {
    fields["ok"] = true;
    return fields.dump();
}

std::string encode_error(const Error& e) {
    return nlohmann::json{{"error", e.message}, {"kind", static_cast<int>(e.kind)}}.dump();
}

Result<nlohmann::json> decode_reply(std::string_view payload) {
    nlohmann::json object = nlohmann::json::parse(payload, nullptr, false);
    if (!object.is_object()) return error("container monitor: a reply that is not a JSON object");
    if (object.contains("error") && object["error"].is_string()) {
        const int kind = object.value("kind", static_cast<int>(ErrorKind::Internal));
        return Error{object["error"].get<std::string>(), static_cast<ErrorKind>(kind)};
    }
    if (!object.value("ok", false)) return error("container monitor: a reply neither ok nor an error");
    object.erase("ok");
    return object;
}

} // namespace sf::host::ctrmon
