// sfctl: terminal formats of guests and the host.
#include "cli/guest_format.h"

#include "cli/text_layout.h"

#include "common/json_fields.h"
#include "common/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <vector>

namespace sf::cli {
namespace {

using nlohmann::json;

std::string field(const json& guest, const char* key) {
    return json_text(guest, key);
}

std::string mem_text(const json& mem, bool compact) {
    if (!mem.is_number_unsigned()) return json_text(mem);
    std::string size = format_size(mem.get<uint64_t>());
    if (compact) size.erase(std::remove(size.begin(), size.end(), ' '), size.end());
    return size;
}

std::string state_text(const json& guest) {
    std::string state = field(guest, "state");
    if (guest.contains("exit_status") && !guest["exit_status"].is_null())
        state += fmt::format("({})", json_text(guest["exit_status"]));
    return state;
}

// The guest's address, "-" without a NIC.
std::string ip_text(const json& guest) {
    const json* nic = json_field(guest, "nic");
    return nic && nic->is_object() ? json_text(*nic, "ip") : "-";
}

// The NIC's lines: network, mac, ip/prefix, gateway.
void add_nic_lines(const json& nic, KeyValues& lines) {
    if (!nic.is_object()) return;
    lines.emplace_back("nic.network", json_text(nic, "network"));
    lines.emplace_back("nic.mac", json_text(nic, "mac"));
    lines.emplace_back("nic.ip", fmt::format("{}/{}", json_text(nic, "ip"), json_text(nic, "prefix_len")));
    lines.emplace_back("nic.gateway", json_text(nic, "gateway"));
}

TableRow table_row(const json& guest, std::chrono::system_clock::time_point now) {
    return {field(guest, "id"),
            field(guest, "name"),
            guest.contains("kind") ? field(guest, "kind") : "vm",
            state_text(guest),
            field(guest, "worker"),
            mem_text(json_field(guest, "mem") ? *json_field(guest, "mem") : json(), true),
            ip_text(guest),
            std::filesystem::path(field(guest, "image")).filename().string(),
            format_age(string_field(guest, "created_at"), now)};
}

} // namespace

std::string format_guest_table(const json& guests, std::chrono::system_clock::time_point now) {
    std::vector<TableRow> rows{{"ID", "NAME", "KIND", "STATE", "WORKER", "MEM", "IP", "IMAGE", "AGE"}};
    for (const json& guest : guests)
        rows.push_back(table_row(guest, now));
    return render_table(rows);
}

std::string format_guest_info(const json& guest) {
    static constexpr std::array kOrder{
        "id",  "name",    "kind",   "state",      "exit_status",     "reason",       "image",
        "mem", "cmdline", "worker", "created_at", "first_output_ms", "console_bytes"};
    KeyValues lines;
    for (const char* key : kOrder) {
        if (!guest.contains(key) || guest[key].is_null()) continue;
        lines.emplace_back(key, std::string_view(key) == "mem" ? mem_text(guest[key], false)
                                                               : json_text(guest[key]));
    }
    if (guest.contains("nic")) add_nic_lines(guest["nic"], lines);
    for (const auto& [key, value] : guest.items()) // fields newer than this sfctl
        if (std::find(kOrder.begin(), kOrder.end(), key) == kOrder.end() && key != "nic" && !value.is_null())
            lines.emplace_back(key, json_text(value));
    return render_lines(lines);
}

std::string format_host_info(const json& host) {
    KeyValues lines;
    flatten_json(host, "", lines);
    return render_lines(lines);
}

std::string format_age(std::string_view created_at, std::chrono::system_clock::time_point now) {
    std::tm tm{};
    std::string text_copy(created_at);
    if (std::sscanf(text_copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return "?";
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto created = std::chrono::system_clock::from_time_t(::timegm(&tm));
    int64_t seconds =
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(now - created).count());
    if (seconds < 120) return fmt::format("{}s", seconds);
    if (seconds < 2 * 3600) return fmt::format("{}m", seconds / 60);
    if (seconds < 2 * 86400) return fmt::format("{}h", seconds / 3600);
    return fmt::format("{}d", seconds / 86400);
}

} // namespace sf::cli
