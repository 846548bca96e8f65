// superfluid common: parsing of sizes ("64M", "2MiB", "4096") and durations
// ("500ms", "2s", "1m", "250us") given on command lines.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace sf {

// Bytes. Suffixes (case-insensitive): none or B, K/KB/KiB, M/MB/MiB, G/GB/GiB (all powers of 1024).
Result<uint64_t> parse_size(std::string_view text);
// Suffixes: ns, us, ms, s, m, h; a bare number means seconds. Fractions allowed ("1.5s").
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// "4 MiB", "512 KiB", "1536 B": the largest unit that divides the size exactly.
std::string format_size(uint64_t bytes);

} // namespace sf
