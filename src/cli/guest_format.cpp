// sfctl: terminal formats of guests and the host.
#include "cli/guest_format.h"

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
using Row = std::vector<std::string>;
using Lines = std::vector<std::pair<std::string, std::string>>;

// A field as text: strings as they are, null as "-", anything else as JSON.
std::string text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "-";
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string field(const json& guest, const char* key) {
    return guest.contains(key) ? text(guest[key]) : "-";
}

std::string mem_text(const json& mem, bool compact) {
    if (!mem.is_number_unsigned()) return text(mem);
    std::string size = format_size(mem.get<uint64_t>());
    if (compact) size.erase(std::remove(size.begin(), size.end(), ' '), size.end());
    return size;
}

std::string state_text(const json& guest) {
    std::string state = field(guest, "state");
    if (guest.contains("exit_status") && !guest["exit_status"].is_null())
        state += "(" + text(guest["exit_status"]) + ")";
    return state;
}

Row table_row(const json& guest, std::chrono::system_clock::time_point now) {
    return {field(guest, "id"),
            field(guest, "name"),
            state_text(guest),
            field(guest, "worker"),
            mem_text(json_field(guest, "mem") ? *json_field(guest, "mem") : json(), true),
            std::filesystem::path(field(guest, "image")).filename().string(),
            format_age(string_field(guest, "created_at"), now)};
}

std::string render_table(const std::vector<Row>& rows) {
    std::vector<size_t> widths(rows.front().size(), 0);
    for (const Row& row : rows)
        for (size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    std::string out;
    for (const Row& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
        out += line + "\n";
    }
    return out;
}

std::string render_lines(const Lines& lines) {
    size_t width = 0;
    for (const auto& [key, value] : lines)
        width = std::max(width, key.size() + 1);
    std::string out;
    for (const auto& [key, value] : lines)
        out += fmt::format("{:<{}} {}\n", key + ":", width, value);
    return out;
}

bool has_structure(const json& array) {
    return std::any_of(array.begin(), array.end(), [](const json& item) { return item.is_structured(); });
}

// Objects become "outer.inner" keys, arrays of objects "outer[0].inner"; arrays of plain values stay JSON.
void flatten(const json& value, const std::string& key, Lines& lines) {
    if (value.is_object()) {
        for (const auto& [name, item] : value.items())
            flatten(item, key.empty() ? name : key + "." + name, lines);
    } else if (value.is_array() && has_structure(value)) {
        for (size_t i = 0; i < value.size(); ++i)
            flatten(value[i], fmt::format("{}[{}]", key, i), lines);
    } else {
        lines.emplace_back(key, text(value));
    }
}

} // namespace

std::string format_guest_table(const json& guests, std::chrono::system_clock::time_point now) {
    std::vector<Row> rows{{"ID", "NAME", "STATE", "WORKER", "MEM", "IMAGE", "AGE"}};
    for (const json& guest : guests)
        rows.push_back(table_row(guest, now));
    return render_table(rows);
}

std::string format_guest_info(const json& guest) {
    static constexpr std::array kOrder{
        "id",  "name",    "state",  "exit_status", "reason",          "image",
        "mem", "cmdline", "worker", "created_at",  "first_output_ms", "console_bytes"};
    Lines lines;
    for (const char* key : kOrder) {
        if (!guest.contains(key) || guest[key].is_null()) continue;
        lines.emplace_back(key,
                           std::string_view(key) == "mem" ? mem_text(guest[key], false) : text(guest[key]));
    }
    for (const auto& [key, value] : guest.items()) // fields newer than this sfctl
        if (std::find(kOrder.begin(), kOrder.end(), key) == kOrder.end() && !value.is_null())
            lines.emplace_back(key, text(value));
    return render_lines(lines);
}

std::string format_host_info(const json& host) {
    Lines lines;
    flatten(host, "", lines);
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
