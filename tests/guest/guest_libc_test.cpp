// Host-side tests of the guest runtime's portable parts: formatting
// (sf/format.h), strings (sf/string.h) and strtol (sf/strtol.h); the heap is
// in guest_heap_test.cpp. The same sources are compiled into the freestanding
// guest library; glibc serves as the oracle where behaviour is meant to match.
#include "sf/format.h"
#include "sf/string.h"
#include "sf/strtol.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------- formatting

template <typename... Args> std::string fmt(const char* format, Args... args) {
    char buf[512];
    const int n = sf_snprintf(buf, sizeof buf, format, args...);
    EXPECT_EQ(static_cast<size_t>(n), std::strlen(buf)) << format;
    return buf;
}

// glibc's output for the same call (the oracle).
template <typename... Args> std::string host(const char* format, Args... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

TEST(Format, SignedIntegers) {
    EXPECT_EQ(fmt("%d", 0), "0");
    EXPECT_EQ(fmt("%d", 42), "42");
    EXPECT_EQ(fmt("%i", -42), "-42");
    EXPECT_EQ(fmt("%d", INT_MIN), "-2147483648");
    EXPECT_EQ(fmt("%d", INT_MAX), "2147483647");
    EXPECT_EQ(fmt("%ld", LONG_MIN), "-9223372036854775808");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(INT64_MAX)), "9223372036854775807");
    EXPECT_EQ(fmt("%hhd", 300), "44");
    EXPECT_EQ(fmt("%hhd", 200), "-56");
    EXPECT_EQ(fmt("%hd", 70000), "4464");
    EXPECT_EQ(fmt("%hd", -32768), "-32768");
    EXPECT_EQ(fmt("%zd", static_cast<ptrdiff_t>(-1)), "-1");
    EXPECT_EQ(fmt("%jd", static_cast<intmax_t>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%td", static_cast<ptrdiff_t>(-7)), "-7");
}

TEST(Format, UnsignedIntegers) {
    EXPECT_EQ(fmt("%u", 0u), "0");
    EXPECT_EQ(fmt("%u", UINT_MAX), "4294967295");
    EXPECT_EQ(fmt("%u", -1), "4294967295");
    EXPECT_EQ(fmt("%lu", ULONG_MAX), "18446744073709551615");
    EXPECT_EQ(fmt("%llu", static_cast<unsigned long long>(UINT64_MAX)), "18446744073709551615");
    EXPECT_EQ(fmt("%zu", SIZE_MAX), "18446744073709551615");
    EXPECT_EQ(fmt("%hhu", 511), "255");
    EXPECT_EQ(fmt("%hu", 65537), "1");
    EXPECT_EQ(fmt("%x", 255u), "ff");
    EXPECT_EQ(fmt("%X", 0xabcdefu), "ABCDEF");
    EXPECT_EQ(fmt("%llx", static_cast<unsigned long long>(UINT64_MAX)), "ffffffffffffffff");
    EXPECT_EQ(fmt("%o", 8u), "10");
    EXPECT_EQ(fmt("%llo", static_cast<unsigned long long>(UINT64_MAX)), "1777777777777777777777");
    EXPECT_EQ(fmt("%#x", 255u), "0xff");
    EXPECT_EQ(fmt("%#X", 255u), "0XFF");
    EXPECT_EQ(fmt("%#x", 0u), "0");
    EXPECT_EQ(fmt("%#o", 8u), "010");
    EXPECT_EQ(fmt("%#o", 0u), "0");
    EXPECT_EQ(fmt("%#.0o", 0u), "0");
}

TEST(Format, WidthFlagsPrecision) {
    EXPECT_EQ(fmt("%5d", 42), "   42");
    EXPECT_EQ(fmt("%-5d|", 42), "42   |");
    EXPECT_EQ(fmt("%05d", 42), "00042");
    EXPECT_EQ(fmt("%05d", -42), "-0042");
    EXPECT_EQ(fmt("%-05d|", -42), "-42  |");
    EXPECT_EQ(fmt("%+d", 5), "+5");
    EXPECT_EQ(fmt("%+d", -5), "-5");
    EXPECT_EQ(fmt("% d", 5), " 5");
    EXPECT_EQ(fmt("%+u", 5u), "5");
    EXPECT_EQ(fmt("%.3d", 5), "005");
    EXPECT_EQ(fmt("%.3d", -5), "-005");
    EXPECT_EQ(fmt("%8.3d", 5), "     005");
    EXPECT_EQ(fmt("%08.3d", 5), "     005"); // '0' is ignored with a precision
    EXPECT_EQ(fmt("%.0d", 0), "");
    EXPECT_EQ(fmt("%5.0d|", 0), "     |");
    EXPECT_EQ(fmt("%.d", 0), "");
    EXPECT_EQ(fmt("%*d", 5, 42), "   42");
    EXPECT_EQ(fmt("%-*d|", 5, 42), "42   |");
    EXPECT_EQ(fmt("%*d|", -5, 42), "42   |");
    EXPECT_EQ(fmt("%.*d", 3, 7), "007");
    EXPECT_EQ(fmt("%.*d", -1, 7), "7");
    EXPECT_EQ(fmt("%#10x|", 255u), "      0xff|");
    EXPECT_EQ(fmt("%#010x|", 255u), "0x000000ff|");
    EXPECT_EQ(fmt("%-#10x|", 255u), "0xff      |");
    EXPECT_EQ(fmt("%020lld", static_cast<long long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%025lld", static_cast<long long>(INT64_MIN)), "-000009223372036854775808");
}

TEST(Format, StringsAndChars) {
    EXPECT_EQ(fmt("%s", "hello"), "hello");
    EXPECT_EQ(fmt("[%10s]", "hello"), "[     hello]");
    EXPECT_EQ(fmt("[%-10s]", "hello"), "[hello     ]");
    EXPECT_EQ(fmt("[%.3s]", "hello"), "[hel]");
    EXPECT_EQ(fmt("[%5.2s]", "hello"), "[   he]");
    EXPECT_EQ(fmt("[%.*s]", 4, "hello"), "[hell]");
    EXPECT_EQ(fmt("[%s]", ""), "[]");
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(fmt("[%.3s]", static_cast<const char*>(nullptr)), "[]");
    const char unterminated[3] = {'a', 'b', 'c'}; // precision bounds the read
    EXPECT_EQ(fmt("[%.3s]", unterminated), "[abc]");
    EXPECT_EQ(fmt("%c", 'A'), "A");
    EXPECT_EQ(fmt("[%3c]", 'A'), "[  A]");
    EXPECT_EQ(fmt("[%-3c]", 'A'), "[A  ]");
    EXPECT_EQ(fmt("100%%"), "100%");
    EXPECT_EQ(fmt("%c%c%c", 'a', 'b', 'c'), "abc");
}

TEST(Format, CharZeroIsCounted) {
    char buf[8];
    std::memset(buf, 'x', sizeof buf);
    EXPECT_EQ(sf_snprintf(buf, sizeof buf, "a%cb", 0), 3);
    EXPECT_EQ(std::memcmp(buf, "a\0b\0", 4), 0);
}

TEST(Format, Pointers) {
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1234)), "0x1234");
    EXPECT_EQ(fmt("%p", static_cast<void*>(nullptr)), "0x0");
    EXPECT_EQ(fmt("[%10p]", reinterpret_cast<void*>(0xbeef)), "[    0xbeef]");
    EXPECT_EQ(fmt("[%-10p]", reinterpret_cast<void*>(0xbeef)), "[0xbeef    ]");
    void* p = &p;
    EXPECT_EQ(fmt("%p", p), host("%p", p));
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(UINTPTR_MAX)), "0xffffffffffffffff");
}

TEST(Format, UnknownAndTruncatedConversions) {
    EXPECT_EQ(fmt("a%qb"), "a%qb");
    EXPECT_EQ(fmt("%-5y"), "%-5y");
    EXPECT_EQ(fmt("end%"), "end%");
    EXPECT_EQ(fmt("end%5"), "end%5");
    EXPECT_EQ(fmt("end%l"), "end%l");
    EXPECT_EQ(fmt("%d%q%d", 1, 2), "1%q2");
}

TEST(Format, MixedLine) {
    EXPECT_EQ(fmt("guest '%s' id %llu, abi %u, %llu KiB", "g1", 7ull, 1u, 4096ull),
              "guest 'g1' id 7, abi 1, 4096 KiB");
    EXPECT_EQ(fmt("tick %lu/%lu at %llu ms", 3ul, 5ul, 300ull), "tick 3/5 at 300 ms");
}

TEST(Format, MatchesGlibcOnIntegerGrid) {
    const char* flags[] = {"", "-", "0", "+", " ", "#", "-+", "0+", "-#", "0#", "- ", "0 "};
    const char* widths[] = {"", "1", "5", "12", "25"};
    const char* precisions[] = {"", ".", ".0", ".1", ".4", ".22"};
    const char* convs[] = {"d", "i", "u", "x", "X", "o"};
    const long long values[] = {0,    1,       -1,      7,         -42,       255,
                                4096, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 0x7fffffffffffffffll};
    size_t checked = 0;
    for (const char* f : flags)
        for (const char* w : widths)
            for (const char* p : precisions)
                for (const char* c : convs) {
                    const bool is_signed = c[0] == 'd' || c[0] == 'i';
                    if (!is_signed && (std::strchr(f, '+') || std::strchr(f, ' ')))
                        continue;                                   // glibc ignores them too, but GCC warns
                    if (is_signed && std::strchr(f, '#')) continue; // undefined behaviour
                    const std::string spec = std::string("[%") + f + w + p + "ll" + c + "]";
                    for (long long v : values) {
                        char mine[128], theirs[128];
                        const int a = sf_snprintf(mine, sizeof mine, spec.c_str(), v);
                        const int b = std::snprintf(theirs, sizeof theirs, spec.c_str(), v);
                        ASSERT_STREQ(mine, theirs) << spec << " of " << v;
                        ASSERT_EQ(a, b) << spec;
                        ++checked;
                    }
                }
    EXPECT_GT(checked, 10000u);
}

TEST(Format, MatchesGlibcOnStringGrid) {
    const char* specs[] = {"[%s]", "[%8s]", "[%-8s]", "[%.0s]", "[%.2s]", "[%8.2s]", "[%-8.2s]", "[%.20s]"};
    const char* values[] = {"", "a", "hello", "hello, world"};
    for (const char* spec : specs)
        for (const char* v : values)
            EXPECT_EQ(fmt(spec, v), host(spec, v)) << spec;
}

TEST(Format, TruncationKeepsReturnValue) {
    char buf[6];
    std::memset(buf, '#', sizeof buf);
    EXPECT_EQ(sf_snprintf(buf, 5, "hello world"), 11);
    EXPECT_STREQ(buf, "hell");
    EXPECT_EQ(buf[5], '#'); // nothing past size

    std::memset(buf, '#', sizeof buf);
    EXPECT_EQ(sf_snprintf(buf, 1, "%d", 12345), 5);
    EXPECT_EQ(buf[0], '\0');
    EXPECT_EQ(buf[1], '#');

    EXPECT_EQ(sf_snprintf(nullptr, 0, "%s-%d", "abc", -12), 7);

    std::memset(buf, '#', sizeof buf);
    EXPECT_EQ(sf_snprintf(buf, sizeof buf, "%5d", 1), 5);
    EXPECT_STREQ(buf, "    1");
    EXPECT_EQ(sf_snprintf(buf, sizeof buf, "%6d", 1), 6);
    EXPECT_STREQ(buf, "     ");
}

TEST(Format, HugeWidthIsCountedNotWritten) {
    char buf[10];
    EXPECT_EQ(sf_snprintf(buf, sizeof buf, "%100000d", 7), 100000);
    EXPECT_STREQ(buf, "         ");
    EXPECT_EQ(sf_snprintf(buf, sizeof buf, "%-100000d|", 7), 100001);
    EXPECT_STREQ(buf, "7        ");
}

int vformat_into(sf_format_sink* sink, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    const size_t n = sf_vformat(sink, format, ap);
    va_end(ap);
    return static_cast<int>(n);
}

// A sink whose flush appends to a std::string (as printf's flushes to the console).
struct CollectingSink {
    std::string out;
    size_t flushes = 0;
    char buf[7];
    sf_format_sink sink{buf, sizeof buf, 0, 0, &CollectingSink::flush, this};

    static void flush(sf_format_sink* s) {
        auto* self = static_cast<CollectingSink*>(s->ctx);
        self->out.append(s->buf, s->len);
        self->flushes++;
        s->len = 0;
    }
    std::string finish() {
        flush(&sink);
        return out;
    }
};

TEST(Format, SinkFlushesInPieces) {
    CollectingSink c;
    EXPECT_EQ(vformat_into(&c.sink, "%s|%08x|%-12d|", "a long string here", 0xbeefu, -5), 41);
    EXPECT_EQ(vformat_into(&c.sink, "%c", 'Z'), 1);
    EXPECT_EQ(c.sink.total, 42u);
    EXPECT_EQ(c.finish(), "a long string here|0000beef|-5          |Z");
    EXPECT_GE(c.flushes, 6u);
}

TEST(Format, SinkWithoutFlushDropsButCounts) {
    char buf[4];
    sf_format_sink sink{buf, sizeof buf, 0, 0, nullptr, nullptr};
    sf_sink_write(&sink, "abcdef", 6);
    EXPECT_EQ(sink.len, 4u);
    EXPECT_EQ(sink.total, 6u);
    EXPECT_EQ(std::memcmp(buf, "abcd", 4), 0);
}

// ---------------------------------------------------------------- strings

std::vector<unsigned char> pattern(size_t n, unsigned seed) {
    std::vector<unsigned char> v(n);
    std::mt19937 rng(seed);
    for (auto& b : v)
        b = static_cast<unsigned char>(rng());
    return v;
}

TEST(String, MemcpyAllAlignmentsAndLengths) {
    const auto src = pattern(256, 1);
    for (size_t so = 0; so < 9; ++so)
        for (size_t d_off = 0; d_off < 9; ++d_off)
            for (size_t n = 0; n < 80; ++n) {
                std::vector<unsigned char> dst(128, 0xee);
                EXPECT_EQ(sf_memcpy(dst.data() + d_off, src.data() + so, n), dst.data() + d_off);
                ASSERT_EQ(std::memcmp(dst.data() + d_off, src.data() + so, n), 0);
                for (size_t i = 0; i < dst.size(); ++i) {
                    if (i < d_off || i >= d_off + n) {
                        ASSERT_EQ(dst[i], 0xee) << "wrote outside at " << i;
                    }
                }
            }
}

TEST(String, MemmoveOverlapsBothWays) {
    for (size_t n = 0; n < 70; ++n)
        for (int shift = -17; shift <= 17; ++shift) {
            auto mine = pattern(160, 2);
            auto ref = mine;
            const size_t from = 40;
            const auto to = static_cast<size_t>(static_cast<long>(from) + shift);
            sf_memmove(mine.data() + to, mine.data() + from, n);
            std::memmove(ref.data() + to, ref.data() + from, n);
            ASSERT_EQ(mine, ref) << "n " << n << " shift " << shift;
        }
}

TEST(String, MemsetAndMemcmpAndMemchr) {
    for (size_t off = 0; off < 9; ++off)
        for (size_t n = 0; n < 40; ++n) {
            std::vector<unsigned char> v(64, 1);
            EXPECT_EQ(sf_memset(v.data() + off, 0x1a5, n), v.data() + off); // only the low byte counts
            for (size_t i = 0; i < v.size(); ++i)
                ASSERT_EQ(v[i], i >= off && i < off + n ? 0xa5 : 1);
        }
    const unsigned char a[] = {1, 2, 0x80};
    const unsigned char b[] = {1, 2, 0x01};
    EXPECT_GT(sf_memcmp(a, b, 3), 0); // compared as unsigned char
    EXPECT_LT(sf_memcmp(b, a, 3), 0);
    EXPECT_EQ(sf_memcmp(a, b, 2), 0);
    EXPECT_EQ(sf_memcmp(a, b, 0), 0);
    const char s[] = "abcabc";
    EXPECT_EQ(sf_memchr(s, 'c', 6), s + 2);
    EXPECT_EQ(sf_memchr(s, 'c', 2), nullptr);
    EXPECT_EQ(sf_memchr(s, '\0', 7), s + 6);
    EXPECT_EQ(sf_memchr(s, 'a' + 256, 6), s); // converted to unsigned char
}

TEST(String, LengthsAndComparisons) {
    EXPECT_EQ(sf_strlen(""), 0u);
    EXPECT_EQ(sf_strlen("hello"), 5u);
    EXPECT_EQ(sf_strnlen("hello", 3), 3u);
    EXPECT_EQ(sf_strnlen("hello", 10), 5u);
    EXPECT_EQ(sf_strnlen("hello", 0), 0u);
    EXPECT_EQ(sf_strcmp("abc", "abc"), 0);
    EXPECT_LT(sf_strcmp("abc", "abd"), 0);
    EXPECT_GT(sf_strcmp("abd", "abc"), 0);
    EXPECT_LT(sf_strcmp("ab", "abc"), 0);
    EXPECT_GT(sf_strcmp("abc", "ab"), 0);
    EXPECT_GT(sf_strcmp("\x80", "\x01"), 0); // unsigned
    EXPECT_EQ(sf_strncmp("abcx", "abcy", 3), 0);
    EXPECT_LT(sf_strncmp("abcx", "abcy", 4), 0);
    EXPECT_EQ(sf_strncmp("a", "b", 0), 0);
    EXPECT_EQ(sf_strncmp("ab\0x", "ab\0y", 4), 0); // stops at the NUL
}

TEST(String, Searching) {
    const char* s = "a/b/c";
    EXPECT_EQ(sf_strchr(s, '/'), s + 1);
    EXPECT_EQ(sf_strrchr(s, '/'), s + 3);
    EXPECT_EQ(sf_strchr(s, 'x'), nullptr);
    EXPECT_EQ(sf_strrchr(s, 'x'), nullptr);
    EXPECT_EQ(sf_strchr(s, '\0'), s + 5);
    EXPECT_EQ(sf_strrchr(s, '\0'), s + 5);
    EXPECT_EQ(sf_strchr("", 'a'), nullptr);
}

TEST(String, Copies) {
    char buf[16];
    EXPECT_EQ(sf_strcpy(buf, "hello"), buf);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(sf_stpcpy(buf, "hey"), buf + 3);
    EXPECT_STREQ(buf, "hey");
    EXPECT_EQ(sf_strcat(buf, " you"), buf);
    EXPECT_STREQ(buf, "hey you");

    std::memset(buf, 'x', sizeof buf);
    sf_strncpy(buf, "ab", 5);
    EXPECT_EQ(std::memcmp(buf, "ab\0\0\0x", 6), 0); // pads with NULs, stops at n
    std::memset(buf, 'x', sizeof buf);
    sf_strncpy(buf, "abcdef", 3);
    EXPECT_EQ(std::memcmp(buf, "abcx", 4), 0); // no NUL when src is too long

    std::memset(buf, 'x', sizeof buf);
    EXPECT_EQ(sf_strlcpy(buf, "hello world", 6), 11u);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(sf_strlcpy(buf, "hi", sizeof buf), 2u);
    EXPECT_STREQ(buf, "hi");
    buf[0] = 'q';
    EXPECT_EQ(sf_strlcpy(buf, "abc", 0), 3u);
    EXPECT_EQ(buf[0], 'q'); // size 0 writes nothing
}

TEST(String, Classification) {
    for (int c = -1; c < 256; ++c) {
        EXPECT_EQ(sf_isspace(c) != 0,
                  c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r')
            << c;
        EXPECT_EQ(sf_isdigit(c) != 0, c >= '0' && c <= '9') << c;
    }
}

// ---------------------------------------------------------------- strtol

TEST(Strtol, Basics) {
    char* end = nullptr;
    const char* s = "  -123xyz";
    EXPECT_EQ(sf_strtol(s, &end, 10), -123);
    EXPECT_EQ(end, s + 6);
    s = "+42";
    EXPECT_EQ(sf_strtoul(s, &end, 10), 42u);
    EXPECT_EQ(end, s + 3);
    s = "0x1fZ";
    EXPECT_EQ(sf_strtoul(s, &end, 0), 31u);
    EXPECT_EQ(end, s + 4);
    EXPECT_EQ(sf_strtoul("0X1F", nullptr, 16), 31u);
    EXPECT_EQ(sf_strtoul("1f", nullptr, 16), 31u);
    EXPECT_EQ(sf_strtoul("0755", nullptr, 0), 493u);
    EXPECT_EQ(sf_strtoul("0755", nullptr, 10), 755u);
    EXPECT_EQ(sf_strtoul("zz", nullptr, 36), 1295u);
    EXPECT_EQ(sf_strtoul("101", nullptr, 2), 5u);
    EXPECT_EQ(sf_strtoul("0", nullptr, 0), 0u);
}

TEST(Strtol, NoDigitsLeavesEndAtStart) {
    char* end = nullptr;
    for (const char* s : {"", "   ", "-", "+ 1", "x", "0x", "  0xg"}) {
        const unsigned long v = sf_strtoul(s, &end, 0);
        const unsigned long ref = std::strtoul(s, nullptr, 0);
        EXPECT_EQ(v, ref) << '"' << s << '"';
        char* ref_end = nullptr;
        std::strtoul(s, &ref_end, 0);
        EXPECT_EQ(end - s, ref_end - s) << '"' << s << '"';
    }
    const char* hex = "0x";
    EXPECT_EQ(sf_strtoul(hex, &end, 16), 0u);
    EXPECT_EQ(end, hex + 1); // the "0" parsed, the 'x' not
}

TEST(Strtol, InvalidBase) {
    char* end = nullptr;
    const char* s = "123";
    EXPECT_EQ(sf_strtol(s, &end, 1), 0);
    EXPECT_EQ(end, s);
    EXPECT_EQ(sf_strtol(s, &end, 37), 0);
    EXPECT_EQ(end, s);
    EXPECT_EQ(sf_strtol(s, &end, -2), 0);
}

TEST(Strtol, SaturatesOnOverflow) {
    char* end = nullptr;
    const char* big = "18446744073709551616";
    EXPECT_EQ(sf_strtoull(big, &end, 10), ULLONG_MAX);
    EXPECT_EQ(end, big + 20); // every digit consumed
    EXPECT_EQ(sf_strtoull("18446744073709551615", nullptr, 10), ULLONG_MAX);
    EXPECT_EQ(sf_strtoll("9223372036854775807", nullptr, 10), LLONG_MAX);
    EXPECT_EQ(sf_strtoll("9223372036854775808", nullptr, 10), LLONG_MAX);
    EXPECT_EQ(sf_strtoll("-9223372036854775808", nullptr, 10), LLONG_MIN);
    EXPECT_EQ(sf_strtoll("-9223372036854775809", nullptr, 10), LLONG_MIN);
    EXPECT_EQ(sf_strtoll("-99999999999999999999999", nullptr, 10), LLONG_MIN);
    EXPECT_EQ(sf_strtoull("-1", nullptr, 10), ULLONG_MAX);
    EXPECT_EQ(sf_strtol("0x8000000000000000", nullptr, 0), LONG_MAX);
    EXPECT_EQ(sf_atoi("2147483647"), INT_MAX);
    EXPECT_EQ(sf_atoi("2147483648"), INT_MAX);
    EXPECT_EQ(sf_atoi("-2147483648"), INT_MIN);
    EXPECT_EQ(sf_atoi("-2147483649"), INT_MIN);
    EXPECT_EQ(sf_atoi(" 12abc"), 12);
    EXPECT_EQ(sf_atoi("abc"), 0);
}

TEST(Strtol, ParseUlongTakesOnlyAWholeNumberUpToMax) {
    unsigned long v = 7;
    EXPECT_TRUE(sf_parse_ulong("0", 10, &v));
    EXPECT_EQ(v, 0ul);
    EXPECT_TRUE(sf_parse_ulong("65535", 65535, &v));
    EXPECT_EQ(v, 65535ul);
    v = 7;
    for (const char* s : {"", "65536", "-1", "+1", " 1", "1 ", "12abc", "0x10", "99999999999999999999"})
        EXPECT_FALSE(sf_parse_ulong(s, 65535, &v)) << s;
    EXPECT_EQ(v, 7ul);
}

TEST(Strtol, MatchesGlibc) {
    const char* inputs[] = {"0",
                            "1",
                            "-1",
                            "+7",
                            " \t\n 99",
                            "0x10",
                            "0X1aB",
                            "-0x10",
                            "010",
                            "-010",
                            "08",
                            "0b1",
                            "123abc",
                            "9223372036854775806",
                            "-9223372036854775807",
                            "18446744073709551614",
                            "  +0",
                            "0x7fffffffffffffff",
                            "  -  5",
                            "1e5"};
    for (const char* s : inputs)
        for (int base : {0, 2, 8, 10, 16, 36}) {
            char* mine_end = nullptr;
            char* ref_end = nullptr;
            EXPECT_EQ(sf_strtoll(s, &mine_end, base), std::strtoll(s, &ref_end, base))
                << s << " base " << base;
            EXPECT_EQ(mine_end, ref_end) << s << " base " << base;
            EXPECT_EQ(sf_strtoull(s, &mine_end, base), std::strtoull(s, &ref_end, base))
                << s << " base " << base;
            EXPECT_EQ(mine_end, ref_end) << s << " base " << base;
        }
}

} // namespace
