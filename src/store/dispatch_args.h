// superfluid store: argument parsing for the dispatcher (NUL-separated payloads).
#pragma once

#include "store/permissions.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace sf::store::args {

// The payload as exactly N NUL-terminated strings (nothing after the last NUL).
template <size_t N> std::optional<std::array<std::string_view, N>> exactly(std::string_view payload) {
    std::array<std::string_view, N> out;
    for (size_t i = 0; i < N; ++i) {
        const size_t nul = payload.find('\0');
        if (nul == std::string_view::npos) return std::nullopt;
        out[i] = payload.substr(0, nul);
        payload.remove_prefix(nul + 1);
    }
    if (!payload.empty()) return std::nullopt;
    return out;
}

// A decimal number that fits in uint32_t ("0".."4294967295"), nothing else.
std::optional<uint32_t> parse_u32(std::string_view text);

// 64-bit FNV-1a of `bytes`: DIRECTORY_PART's generation string.
uint64_t fingerprint(std::string_view bytes);

} // namespace sf::store::args
