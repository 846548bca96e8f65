// superfluid common: size and duration parsing.
#include "common/units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace sf {
namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_any(std::string_view suffix, std::initializer_list<std::string_view> names) {
    for (std::string_view name : names)
        if (equals_ignore_case(suffix, name)) return true;
    return false;
}

// Splits "12.5ms" into the number (as double and as exact integer) and the suffix.
struct NumberAndSuffix {
    double value;
    bool integral;
    uint64_t integer;
    std::string_view suffix; // points into the parsed text
};

Result<NumberAndSuffix> split_number(std::string_view text, std::string_view what) {
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    if (digits == 0) return error("invalid {} {:?}: expected a number", what, text);
    std::string_view number = text.substr(0, digits);
    NumberAndSuffix out{0, number.find('.') == std::string_view::npos, 0, text.substr(digits)};
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), out.value);
    if (ec != std::errc() || ptr != number.data() + number.size())
        return error("invalid {} {:?}: bad number", what, text);
    if (out.integral) {
        auto [iptr, iec] = std::from_chars(number.data(), number.data() + number.size(), out.integer);
        if (iec != std::errc()) return error("invalid {} {:?}: number too large", what, text);
    }
    return out;
}

} // namespace

Result<uint64_t> parse_size(std::string_view text) {
    SF_TRY_ASSIGN(NumberAndSuffix n, split_number(text, "size"));
    if (!n.integral) return error("invalid size {:?}: use a whole number (e.g. 1536K, not 1.5M)", text);
    uint64_t shift = 0;
    const std::string_view s = n.suffix;
    if (s.empty() || is_any(s, {"b"}))
        shift = 0;
    else if (is_any(s, {"k", "kb", "kib"}))
        shift = 10;
    else if (is_any(s, {"m", "mb", "mib"}))
        shift = 20;
    else if (is_any(s, {"g", "gb", "gib"}))
        shift = 30;
    else
        return error("invalid size {:?}: unknown unit {:?} (use K, M or G)", text, s);
    if (shift > 0 && n.integer > (UINT64_MAX >> shift)) return error("invalid size {:?}: too large", text);
    return n.integer << shift;
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    SF_TRY_ASSIGN(NumberAndSuffix n, split_number(text, "duration"));
    double scale = 0;
    const std::string_view s = n.suffix;
    if (s == "ns")
        scale = 1;
    else if (s == "us")
        scale = 1e3;
    else if (s == "ms")
        scale = 1e6;
    else if (s.empty() || s == "s")
        scale = 1e9;
    else if (s == "m")
        scale = 60e9;
    else if (s == "h")
        scale = 3600e9;
    else
        return error("invalid duration {:?}: unknown unit {:?} (use ns, us, ms, s, m or h)", text, s);
    double ns = n.value * scale;
    if (!std::isfinite(ns) || ns > 9.2e18) return error("invalid duration {:?}: too large", text);
    return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

std::string format_size(uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB"};
    size_t unit = 0;
    while (unit + 1 < std::size(kUnits) && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return fmt::format("{} {}", bytes, kUnits[unit]);
}

} // namespace sf
