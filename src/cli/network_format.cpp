// sfctl: terminal formats of networks.
#include "cli/network_format.h"

#include "cli/text_layout.h"

#include <algorithm>
#include <array>

namespace sf::cli {

using nlohmann::json;

std::string format_network_table(const json& networks) {
    std::vector<TableRow> rows{{"NAME", "SUBNET", "HOST-ADDRESS", "GUESTS"}};
    for (const json& network : networks)
        rows.push_back({json_text(network, "name"), json_text(network, "subnet"),
                        json_text(network, "host_address"), json_text(network, "guests")});
    return render_table(rows);
}

std::string format_network_info(const json& network) {
    static constexpr std::array kOrder{"name",   "subnet", "host_address",
                                       "uplink", "guests", "free_addresses"};
    KeyValues lines;
    for (const char* key : kOrder)
        if (network.contains(key)) lines.emplace_back(key, json_text(network[key]));
    for (const auto& [key, value] : network.items()) // the stats, and fields newer than this sfctl
        if (std::find(kOrder.begin(), kOrder.end(), key) == kOrder.end() && !value.is_null())
            flatten_json(value, key, lines);
    return render_lines(lines);
}

} // namespace sf::cli
