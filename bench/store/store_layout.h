// sf-bench store: the tree the benchmark loads, shaped like sfd's records
// (docs/store-layout.md): 17 nodes under /local/domain/<id> for each guest.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace sf::bench {

// The leaves written for each guest (their parents nic/, console/, data/ are
// created with them): 14 leaves + 3 directories = 17 nodes below the home.
inline constexpr std::array<std::string_view, 14> kGuestLeaves = {
    "name",        "image",  "memory",      "cmdline", "worker", "created",           "state",
    "exit-status", "reason", "nic/network", "nic/mac", "nic/ip", "console/ring-size", "data/status"};
inline constexpr int kGuestNodes = 17;

// "/local/domain/<guest>/<leaf>" (guests are numbered from 1).
inline std::string guest_key(int guest, std::string_view leaf) {
    return "/local/domain/" + std::to_string(guest) + "/" + std::string(leaf);
}

// A plausible value for a leaf of a guest.
std::string guest_value(int guest, std::string_view leaf);

} // namespace sf::bench
