// sfctl: how the API's guest and host objects look on a terminal: the `list`
// table and the `info` key: value lines. Pure functions of the JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace sf::cli {

// ID NAME STATE WORKER MEM IP IMAGE AGE, one guest per line, columns
// aligned (IP "-" for a guest without a NIC); only the header when there are
// no guests.
std::string format_guest_table(const nlohmann::json& guests, std::chrono::system_clock::time_point now);
// "key: value" lines, aligned; unset (null) fields are left out; a NIC as
// nic.network, nic.mac, nic.ip (address/prefix) and nic.gateway.
std::string format_guest_info(const nlohmann::json& guest);
// "key: value" lines; nested objects flattened as "pool.size", arrays of
// objects as "workers[0].pid".
std::string format_host_info(const nlohmann::json& host);
// The time since an RFC 3339 UTC time: "42s", "5m", "3h", "12d"; "?" when unreadable.
std::string format_age(std::string_view created_at, std::chrono::system_clock::time_point now);

} // namespace sf::cli
