// superfluid guest runtime: <string.h> names over sf/string.h (guest-only).
//
// GCC emits calls to memcpy, memmove, memset and memcmp on its own (struct
// copies, zeroing), so these must exist even if no guest calls them.
#include "sf/libc.h"

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) noexcept {
    return sf_memcpy(dst, src, n);
}
void* memmove(void* dst, const void* src, size_t n) noexcept {
    return sf_memmove(dst, src, n);
}
void* memset(void* dst, int c, size_t n) noexcept {
    return sf_memset(dst, c, n);
}
int memcmp(const void* a, const void* b, size_t n) noexcept {
    return sf_memcmp(a, b, n);
}
void* memchr(const void* s, int c, size_t n) noexcept {
    return sf_memchr(s, c, n);
}
size_t strlen(const char* s) noexcept {
    return sf_strlen(s);
}
size_t strnlen(const char* s, size_t max) noexcept {
    return sf_strnlen(s, max);
}
int strcmp(const char* a, const char* b) noexcept {
    return sf_strcmp(a, b);
}
int strncmp(const char* a, const char* b, size_t n) noexcept {
    return sf_strncmp(a, b, n);
}
char* strchr(const char* s, int c) noexcept {
    return sf_strchr(s, c);
}
char* strrchr(const char* s, int c) noexcept {
    return sf_strrchr(s, c);
}
char* strcpy(char* dst, const char* src) noexcept {
    return sf_strcpy(dst, src);
}
char* stpcpy(char* dst, const char* src) noexcept {
    return sf_stpcpy(dst, src);
}
char* strncpy(char* dst, const char* src, size_t n) noexcept {
    return sf_strncpy(dst, src, n);
}
size_t strlcpy(char* dst, const char* src, size_t size) noexcept {
    return sf_strlcpy(dst, src, size);
}
char* strcat(char* dst, const char* src) noexcept {
    return sf_strcat(dst, src);
}

} // extern "C"
