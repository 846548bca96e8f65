// superfluid guest runtime: printf-style formatting (portable).
//
// sf_vformat walks the format once: literal runs are copied to the sink,
// each conversion is parsed into a Spec and printed by one emit_* function.
#include "sf/format.h"

#include <stdint.h>

namespace {

enum class Length { kInt, kChar, kShort, kLong, kLongLong, kSize, kMax, kPtrdiff };

struct Spec {
    bool left = false;  // '-'
    bool zero = false;  // '0'
    bool plus = false;  // '+'
    bool space = false; // ' '
    bool alt = false;   // '#'
    size_t width = 0;
    long precision = -1; // -1: none
    Length length = Length::kInt;
    char conv = '\0';
};

constexpr size_t kWidthMax = 1u << 20; // wider fields are clamped

void pad(sf_format_sink* sink, char c, size_t n) {
    char chunk[32];
    for (char& slot : chunk)
        slot = c;
    while (n > 0) {
        const size_t step = n < sizeof chunk ? n : sizeof chunk;
        sf_sink_write(sink, chunk, step);
        n -= step;
    }
}

// Parses a decimal number or '*' (taken from the arguments). Returns false if neither is there.
bool parse_count(const char** f, va_list* ap, long* out) {
    if (**f == '*') {
        ++*f;
        *out = va_arg(*ap, int);
        return true;
    }
    if (**f < '0' || **f > '9') return false;
    long value = 0;
    for (; **f >= '0' && **f <= '9'; ++*f) {
        if (value < static_cast<long>(kWidthMax)) value = value * 10 + (**f - '0');
    }
    *out = value;
    return true;
}

const char* parse_flags(const char* f, Spec* spec) {
    for (;; ++f) {
        switch (*f) {
        case '-': spec->left = true; break;
        case '0': spec->zero = true; break;
        case '+': spec->plus = true; break;
        case ' ': spec->space = true; break;
        case '#': spec->alt = true; break;
        default: return f;
        }
    }
}

const char* parse_length(const char* f, Spec* spec) {
    switch (*f) {
    case 'h': spec->length = f[1] == 'h' ? Length::kChar : Length::kShort; return f + (f[1] == 'h' ? 2 : 1);
    case 'l':
        spec->length = f[1] == 'l' ? Length::kLongLong : Length::kLong;
        return f + (f[1] == 'l' ? 2 : 1);
    case 'z': spec->length = Length::kSize; return f + 1;
    case 'j': spec->length = Length::kMax; return f + 1;
    case 't': spec->length = Length::kPtrdiff; return f + 1;
    default: return f;
    }
}

// Parses everything after '%' up to and including the conversion character.
const char* parse_spec(const char* f, va_list* ap, Spec* spec) {
    f = parse_flags(f, spec);
    long width = 0;
    if (parse_count(&f, ap, &width)) {
        if (width < 0) { // a negative '*' width means '-'
            spec->left = true;
            width = width < -static_cast<long>(kWidthMax) ? static_cast<long>(kWidthMax) : -width;
        }
        spec->width = width < static_cast<long>(kWidthMax) ? static_cast<size_t>(width) : kWidthMax;
    }
    if (*f == '.') {
        ++f;
        long precision = 0;
        parse_count(&f, ap, &precision);                  // "%.d" means precision 0
        spec->precision = precision < 0 ? -1 : precision; // a negative '*' means none
    }
    f = parse_length(f, spec);
    spec->conv = *f;
    return *f == '\0' ? f : f + 1;
}

long long fetch_signed(va_list* ap, Length length) {
    switch (length) {
    case Length::kChar: return static_cast<signed char>(va_arg(*ap, int));
    case Length::kShort: return static_cast<short>(va_arg(*ap, int));
    case Length::kLong: return va_arg(*ap, long);
    case Length::kLongLong: return va_arg(*ap, long long);
    case Length::kSize: return va_arg(*ap, long); // ssize_t
    case Length::kMax: return va_arg(*ap, long);  // intmax_t
    case Length::kPtrdiff: return va_arg(*ap, long);
    case Length::kInt: break;
    }
    return va_arg(*ap, int);
}

unsigned long long fetch_unsigned(va_list* ap, Length length) {
    switch (length) {
    case Length::kChar: return static_cast<unsigned char>(va_arg(*ap, unsigned));
    case Length::kShort: return static_cast<unsigned short>(va_arg(*ap, unsigned));
    case Length::kLong: return va_arg(*ap, unsigned long);
    case Length::kLongLong: return va_arg(*ap, unsigned long long);
    case Length::kSize: return va_arg(*ap, size_t);
    case Length::kMax: return va_arg(*ap, unsigned long); // uintmax_t
    case Length::kPtrdiff: return va_arg(*ap, unsigned long);
    case Length::kInt: break;
    }
    return va_arg(*ap, unsigned);
}

struct Integer {
    unsigned long long magnitude;
    bool negative;
    unsigned base;
    bool upper;
};

// Writes the digits of `v` into the end of `buf`; returns the first digit.
char* to_digits(const Integer& v, char* buf_end) {
    const char* digits = v.upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char* p = buf_end;
    unsigned long long m = v.magnitude;
    do {
        *--p = digits[m % v.base];
        m /= v.base;
    } while (m != 0);
    return p;
}

size_t integer_prefix(const Spec& spec, const Integer& v, char prefix[3]) {
    size_t n = 0;
    if (v.negative)
        prefix[n++] = '-';
    else if (spec.plus && (spec.conv == 'd' || spec.conv == 'i'))
        prefix[n++] = '+';
    else if (spec.space && (spec.conv == 'd' || spec.conv == 'i'))
        prefix[n++] = ' ';
    if (v.base == 16 && spec.alt && (v.magnitude != 0 || spec.conv == 'p')) {
        prefix[n++] = '0';
        prefix[n++] = v.upper ? 'X' : 'x';
    }
    return n;
}

void emit_integer(sf_format_sink* sink, const Spec& spec, const Integer& v) {
    char buf[24]; // 2^64 needs 22 octal digits
    char* end = buf + sizeof buf;
    char* first = to_digits(v, end);
    size_t ndigits = static_cast<size_t>(end - first);
    if (spec.precision == 0 && v.magnitude == 0) ndigits = 0; // "%.0d" of 0 prints no digits
    size_t min_digits = spec.precision < 0 ? 1 : static_cast<size_t>(spec.precision);
    if (v.base == 8 && spec.alt && (ndigits == 0 || *first != '0') && min_digits <= ndigits)
        min_digits = ndigits + 1; // '#' makes octal start with 0
    char prefix[3];
    const size_t nprefix = integer_prefix(spec, v, prefix);
    size_t zeros = min_digits > ndigits ? min_digits - ndigits : 0;
    const size_t body = nprefix + zeros + ndigits;
    if (spec.zero && !spec.left && spec.precision < 0 && spec.width > body) zeros += spec.width - body;
    const size_t total = nprefix + zeros + ndigits;
    const size_t fill = spec.width > total ? spec.width - total : 0;
    if (!spec.left) pad(sink, ' ', fill);
    sf_sink_write(sink, prefix, nprefix);
    pad(sink, '0', zeros);
    sf_sink_write(sink, end - ndigits, ndigits);
    if (spec.left) pad(sink, ' ', fill);
}

void emit_text(sf_format_sink* sink, const Spec& spec, const char* s, size_t n) {
    const size_t fill = spec.width > n ? spec.width - n : 0;
    if (!spec.left) pad(sink, ' ', fill);
    sf_sink_write(sink, s, n);
    if (spec.left) pad(sink, ' ', fill);
}

void emit_string(sf_format_sink* sink, const Spec& spec, const char* s) {
    if (s == nullptr) s = spec.precision < 0 || spec.precision >= 6 ? "(null)" : "";
    const size_t n = spec.precision < 0 ? sf_strlen(s) : sf_strnlen(s, static_cast<size_t>(spec.precision));
    emit_text(sink, spec, s, n);
}

Integer integer_arg(Spec* spec, va_list* ap) {
    switch (spec->conv) {
    case 'd':
    case 'i': {
        const long long v = fetch_signed(ap, spec->length);
        const auto m = static_cast<unsigned long long>(v);
        return {v < 0 ? 0 - m : m, v < 0, 10, false};
    }
    case 'u': return {fetch_unsigned(ap, spec->length), false, 10, false};
    case 'o': return {fetch_unsigned(ap, spec->length), false, 8, false};
    case 'x': return {fetch_unsigned(ap, spec->length), false, 16, false};
    case 'X': return {fetch_unsigned(ap, spec->length), false, 16, true};
    default: // 'p'
        spec->alt = true;
        return {reinterpret_cast<uintptr_t>(va_arg(*ap, void*)), false, 16, false};
    }
}

// Prints the conversion at `pct` (which points at '%'); returns where the literal text resumes.
const char* format_conversion(sf_format_sink* sink, const char* pct, va_list* ap) {
    Spec spec;
    const char* next = parse_spec(pct + 1, ap, &spec);
    switch (spec.conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
    case 'p': emit_integer(sink, spec, integer_arg(&spec, ap)); break;
    case 's': emit_string(sink, spec, va_arg(*ap, const char*)); break;
    case 'c': {
        const char c = static_cast<char>(va_arg(*ap, int));
        emit_text(sink, spec, &c, 1);
        break;
    }
    case '%': sf_sink_write(sink, "%", 1); break;
    default: // unknown or truncated: copy it as written
        sf_sink_write(sink, pct, static_cast<size_t>(next - pct));
        break;
    }
    return next;
}

} // namespace

extern "C" {

void sf_sink_write(sf_format_sink* sink, const char* s, size_t n) noexcept {
    while (n > 0) {
        if (sink->len >= sink->cap && sink->flush != nullptr) sink->flush(sink);
        if (sink->len >= sink->cap) { // nothing more fits: drop, but count
            sink->total += n;
            return;
        }
        const size_t room = sink->cap - sink->len;
        const size_t step = n < room ? n : room;
        sf_memcpy(sink->buf + sink->len, s, step);
        sink->len += step;
        sink->total += step;
        s += step;
        n -= step;
    }
}

size_t sf_vformat(sf_format_sink* sink, const char* fmt, va_list ap_in) noexcept {
    va_list ap;
    va_copy(ap, ap_in);
    const size_t start = sink->total;
    while (*fmt != '\0') {
        const char* pct = fmt;
        while (*pct != '\0' && *pct != '%')
            ++pct;
        sf_sink_write(sink, fmt, static_cast<size_t>(pct - fmt));
        if (*pct == '\0') break;
        fmt = format_conversion(sink, pct, &ap);
    }
    va_end(ap);
    return sink->total - start;
}

int sf_vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) noexcept {
    sf_format_sink sink{buf, size > 0 ? size - 1 : 0, 0, 0, nullptr, nullptr};
    sf_vformat(&sink, fmt, ap);
    if (size > 0) buf[sink.len] = '\0';
    constexpr size_t kIntMax = __INT_MAX__;
    return static_cast<int>(sink.total < kIntMax ? sink.total : kIntMax);
}

int sf_snprintf(char* buf, size_t size, const char* fmt, ...) noexcept {
    va_list ap;
    va_start(ap, fmt);
    const int n = sf_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

} // extern "C"
