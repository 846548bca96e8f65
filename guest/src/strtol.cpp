// superfluid guest runtime: string to integer conversion (portable).
#include "sf/strtol.h"

#include <stdint.h>

namespace {

// <limits.h> is not used: it may reach for the host libc's header.
constexpr long long kLLongMax = __LONG_LONG_MAX__;
constexpr long long kLLongMin = -kLLongMax - 1;
constexpr unsigned long long kULLongMax = ~0ull;
constexpr int kIntMax = __INT_MAX__;
constexpr int kIntMin = -kIntMax - 1;

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

bool has_hex_prefix(const char* s) {
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16;
}

// Parses sign and magnitude; `overflow` is set when the magnitude exceeds 64 bits.
struct Parsed {
    unsigned long long magnitude = 0;
    bool negative = false;
    bool overflow = false;
    const char* end = nullptr;
};

Parsed parse(const char* s, int base) {
    Parsed r;
    r.end = s;
    if (base < 0 || base == 1 || base > 36) return r;
    const char* p = s;
    while (sf_isspace(*p))
        ++p;
    if (*p == '+' || *p == '-') r.negative = *p++ == '-';
    if ((base == 0 || base == 16) && has_hex_prefix(p)) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = *p == '0' ? 8 : 10;
    }
    const auto ubase = static_cast<unsigned long long>(base);
    const char* first = p;
    for (int d; (d = digit_value(*p)) < base; ++p) {
        const auto digit = static_cast<unsigned long long>(d);
        if (r.magnitude > (kULLongMax - digit) / ubase)
            r.overflow = true;
        else
            r.magnitude = r.magnitude * ubase + digit;
    }
    if (p != first) r.end = p;
    return r;
}

void set_end(char** end, const char* p) {
    if (end != nullptr) *end = const_cast<char*>(p);
}

long long to_signed(const Parsed& r) {
    if (r.negative) {
        if (r.overflow || r.magnitude > static_cast<unsigned long long>(kLLongMax))
            return kLLongMin; // also exactly -2^63
        return -static_cast<long long>(r.magnitude);
    }
    if (r.overflow || r.magnitude > static_cast<unsigned long long>(kLLongMax)) return kLLongMax;
    return static_cast<long long>(r.magnitude);
}

} // namespace

extern "C" {

unsigned long long sf_strtoull(const char* s, char** end, int base) noexcept {
    const Parsed r = parse(s, base);
    set_end(end, r.end);
    if (r.overflow) return kULLongMax;
    return r.negative ? 0 - r.magnitude : r.magnitude;
}

long long sf_strtoll(const char* s, char** end, int base) noexcept {
    const Parsed r = parse(s, base);
    set_end(end, r.end);
    return to_signed(r);
}

unsigned long sf_strtoul(const char* s, char** end, int base) noexcept {
    static_assert(sizeof(unsigned long) == sizeof(unsigned long long), "LP64 only");
    return sf_strtoull(s, end, base);
}

long sf_strtol(const char* s, char** end, int base) noexcept {
    static_assert(sizeof(long) == sizeof(long long), "LP64 only");
    return sf_strtoll(s, end, base);
}

int sf_atoi(const char* s) noexcept {
    const long long v = sf_strtoll(s, nullptr, 10);
    if (v > kIntMax) return kIntMax;
    if (v < kIntMin) return kIntMin;
    return static_cast<int>(v);
}

int sf_parse_ulong(const char* s, unsigned long max, unsigned long* out) noexcept {
    if (s[0] < '0' || s[0] > '9') return 0;
    char* end = nullptr;
    const unsigned long v = sf_strtoul(s, &end, 10);
    if (*end != '\0' || v > max) return 0;
    *out = v;
    return 1;
}

} // extern "C"
