// sfctl: how the API's network objects look on a terminal: the `net list`
// table and the `net info` key: value lines. Pure functions of the JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace sf::cli {

// NAME SUBNET HOST-ADDRESS GUESTS, one network per line in the order given,
// columns aligned; only the header when there are none.
std::string format_network_table(const nlohmann::json& networks);
// name, subnet, host_address, uplink, guests, free_addresses, then the
// switch counters as stats.frames, stats.dropped, ... (newer fields last).
std::string format_network_info(const nlohmann::json& network);

} // namespace sf::cli
