// superfluid guest runtime: memory and string functions (portable).
//
// Plain loops, word-at-a-time where both pointers allow it. The runtime is
// built with -fno-tree-loop-distribute-patterns so that GCC does not turn
// these loops back into calls to memcpy/memset (which wrap these functions).
#include "sf/string.h"

#include <stdint.h>

namespace {

// A word that may alias any object, like char does.
typedef uint64_t __attribute__((may_alias)) Word;
constexpr size_t kWord = sizeof(Word);

bool word_aligned(const void* a, const void* b) {
    return ((reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b)) & (kWord - 1)) == 0;
}

void copy_forward(unsigned char* d, const unsigned char* s, size_t n) {
    if (word_aligned(d, s)) {
        for (; n >= kWord; n -= kWord, d += kWord, s += kWord)
            *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
    }
    for (; n > 0; --n)
        *d++ = *s++;
}

void copy_backward(unsigned char* d, const unsigned char* s, size_t n) {
    d += n;
    s += n;
    if (word_aligned(d, s)) {
        for (; n >= kWord; n -= kWord) {
            d -= kWord;
            s -= kWord;
            *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
        }
    }
    for (; n > 0; --n)
        *--d = *--s;
}

} // namespace

extern "C" {

void* sf_memcpy(void* dst, const void* src, size_t n) noexcept {
    copy_forward(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), n);
    return dst;
}

void* sf_memmove(void* dst, const void* src, size_t n) noexcept {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (reinterpret_cast<uintptr_t>(d) - reinterpret_cast<uintptr_t>(s) >= n)
        copy_forward(d, s, n); // d before s, or no overlap
    else
        copy_backward(d, s, n);
    return dst;
}

void* sf_memset(void* dst, int c, size_t n) noexcept {
    auto* d = static_cast<unsigned char*>(dst);
    const auto byte = static_cast<unsigned char>(c);
    if ((reinterpret_cast<uintptr_t>(d) & (kWord - 1)) == 0) {
        const Word word = byte * 0x0101010101010101ull;
        for (; n >= kWord; n -= kWord, d += kWord)
            *reinterpret_cast<Word*>(d) = word;
    }
    for (; n > 0; --n)
        *d++ = byte;
    return dst;
}

int sf_memcmp(const void* a, const void* b, size_t n) noexcept {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

void* sf_memchr(const void* s, int c, size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(s);
    const auto byte = static_cast<unsigned char>(c);
    for (size_t i = 0; i < n; ++i) {
        if (p[i] == byte) return const_cast<unsigned char*>(p + i);
    }
    return nullptr;
}

size_t sf_strlen(const char* s) noexcept {
    const char* p = s;
    while (*p != '\0')
        ++p;
    return static_cast<size_t>(p - s);
}

size_t sf_strnlen(const char* s, size_t max) noexcept {
    size_t n = 0;
    while (n < max && s[n] != '\0')
        ++n;
    return n;
}

int sf_strcmp(const char* a, const char* b) noexcept {
    return sf_strncmp(a, b, SIZE_MAX);
}

int sf_strncmp(const char* a, const char* b, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x != y) return x < y ? -1 : 1;
        if (x == '\0') break;
    }
    return 0;
}

char* sf_strchr(const char* s, int c) noexcept {
    const auto ch = static_cast<char>(c);
    for (;; ++s) {
        if (*s == ch) return const_cast<char*>(s);
        if (*s == '\0') return nullptr;
    }
}

char* sf_strrchr(const char* s, int c) noexcept {
    const auto ch = static_cast<char>(c);
    const char* last = nullptr;
    for (;; ++s) {
        if (*s == ch) last = s;
        if (*s == '\0') return const_cast<char*>(last);
    }
}

char* sf_stpcpy(char* dst, const char* src) noexcept {
    while ((*dst = *src) != '\0') {
        ++dst;
        ++src;
    }
    return dst;
}

char* sf_strcpy(char* dst, const char* src) noexcept {
    sf_stpcpy(dst, src);
    return dst;
}

char* sf_strncpy(char* dst, const char* src, size_t n) noexcept {
    size_t i = 0;
    for (; i < n && src[i] != '\0'; ++i)
        dst[i] = src[i];
    for (; i < n; ++i)
        dst[i] = '\0';
    return dst;
}

size_t sf_strlcpy(char* dst, const char* src, size_t size) noexcept {
    const size_t len = sf_strlen(src);
    if (size > 0) {
        const size_t n = len < size - 1 ? len : size - 1;
        sf_memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

char* sf_strcat(char* dst, const char* src) noexcept {
    sf_stpcpy(dst + sf_strlen(dst), src);
    return dst;
}

int sf_isspace(int c) noexcept {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

int sf_isdigit(int c) noexcept {
    return c >= '0' && c <= '9';
}

} // extern "C"
