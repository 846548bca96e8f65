// superfluid toolstack: the JSON form of GuestService's types (the API's guest object).
#include "host/guest_service.h"

namespace sf::host {

std::optional<GuestState> parse_guest_state(std::string_view name) {
    for (GuestState s : {GuestState::Created, GuestState::Running, GuestState::Paused, GuestState::Exited,
                         GuestState::Crashed})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

const char* to_string(GuestState state) {
    switch (state) {
    case GuestState::Created: return "created";
    case GuestState::Running: return "running";
    case GuestState::Paused: return "paused";
    case GuestState::Exited: return "exited";
    case GuestState::Crashed: return "crashed";
    }
    return "unknown";
}

namespace {

template <typename T> nlohmann::json or_null(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace

// The keys are the API's guest object (docs/api.yaml, Guest); optional fields are null when unset.
nlohmann::json to_json(const GuestInfo& info) {
    return nlohmann::json{
        {"id", info.id},
        {"name", info.name},
        {"kind", info.kind},
        {"image", info.image},
        {"mem", info.mem_size},
        {"cmdline", info.cmdline},
        {"state", to_string(info.state)},
        {"exit_status", or_null(info.exit_status)},
        {"reason", or_null(info.reason)},
        {"worker", info.worker},
        {"created_at", info.created_at},
        {"first_output_ms", or_null(info.first_output_ms)},
        {"console_bytes", info.console_bytes},
        {"nic", info.nic ? to_json(*info.nic) : nlohmann::json(nullptr)},
    };
}

nlohmann::json to_json(const NicInfo& info) {
    return nlohmann::json{{"network", info.network},
                          {"mac", info.mac},
                          {"ip", info.ip},
                          {"prefix_len", info.prefix_len},
                          {"gateway", info.gateway}};
}

nlohmann::json to_json(const NetworkInfo& info) {
    return nlohmann::json{{"name", info.name},
                          {"subnet", info.subnet},
                          {"host_address", info.host_address},
                          {"uplink", info.uplink},
                          {"guests", info.guests},
                          {"free_addresses", info.free_addresses},
                          {"stats", info.stats.is_null() ? nlohmann::json::object() : info.stats}};
}

nlohmann::json to_json(const SaveResult& r) {
    return {
        {"guest", to_json(r.guest)}, {"file", r.file}, {"bytes", r.bytes}, {"pages", r.pages}, {"ms", r.ms}};
}

nlohmann::json to_json(const MigrateResult& r) {
    return {{"guest", r.guest},
            {"to", r.to},
            {"total_ms", r.total_ms},
            {"downtime_ms", r.downtime_ms},
            {"bytes_sent", r.bytes_sent},
            {"rounds", r.rounds},
            {"phases", r.phases.is_null() ? nlohmann::json::object() : r.phases}};
}

} // namespace sf::host
