// sfctl: aligned tables and "key: value" lines.
#include "cli/text_layout.h"

#include <fmt/format.h>

#include <algorithm>

namespace sf::cli {
namespace {

using nlohmann::json;

bool has_structure(const json& array) {
    return std::any_of(array.begin(), array.end(), [](const json& item) { return item.is_structured(); });
}

} // namespace

std::string json_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "-";
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string json_text(const json& object, const char* key) {
    return object.is_object() && object.contains(key) ? json_text(object[key]) : "-";
}

std::string render_table(const std::vector<TableRow>& rows) {
    std::vector<size_t> widths(rows.front().size(), 0);
    for (const TableRow& row : rows)
        for (size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    std::string out;
    for (const TableRow& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
        out += line + "\n";
    }
    return out;
}

std::string render_lines(const KeyValues& lines) {
    size_t width = 0;
    for (const auto& [key, value] : lines)
        width = std::max(width, key.size() + 1);
    std::string out;
    for (const auto& [key, value] : lines)
        out += fmt::format("{:<{}} {}\n", key + ":", width, value);
    return out;
}

void flatten_json(const json& value, const std::string& key, KeyValues& lines) {
    if (value.is_object()) {
        for (const auto& [name, item] : value.items())
            flatten_json(item, key.empty() ? name : key + "." + name, lines);
    } else if (value.is_array() && has_structure(value)) {
        for (size_t i = 0; i < value.size(); ++i)
            flatten_json(value[i], fmt::format("{}[{}]", key, i), lines);
    } else {
        lines.emplace_back(key, json_text(value));
    }
}

} // namespace sf::cli
