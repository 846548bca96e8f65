// superfluid toolstack: the host's available memory (MemAvailable of /proc/meminfo).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string_view>

namespace sf::host {

// Bytes of MemAvailable in a /proc/meminfo text.
Result<uint64_t> parse_mem_available(std::string_view meminfo);
// Reads /proc/meminfo.
Result<uint64_t> mem_available();

} // namespace sf::host
