// sfctl: laying out text on a terminal: aligned tables and "key: value"
// lines, and JSON values as the text in them. Pure functions; the formats of
// guests, the host and networks (guest_format.h, network_format.h) use them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sf::cli {

using TableRow = std::vector<std::string>;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

// A JSON value as text: strings as they are, null as "-", anything else as JSON.
std::string json_text(const nlohmann::json& value);
// object[key] as json_text, "-" when missing.
std::string json_text(const nlohmann::json& object, const char* key);
// The rows (the first is the header), columns aligned, two spaces apart.
std::string render_table(const std::vector<TableRow>& rows);
// "key: value" lines, the values aligned.
std::string render_lines(const KeyValues& lines);
// Objects become "outer.inner" keys, arrays of objects "outer[0].inner";
// arrays of plain values stay JSON. `key` is the prefix ("" at the top).
void flatten_json(const nlohmann::json& value, const std::string& key, KeyValues& lines);

} // namespace sf::cli
