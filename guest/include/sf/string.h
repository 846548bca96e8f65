/*
 * superfluid guest runtime: memory and string functions.
 *
 * Portable: compiled both into the freestanding runtime and, for tests, for
 * the host. The standard names (memcpy, strlen, ...) are thin wrappers over
 * these in the guest-only libc (sf/libc.h).
 */
#ifndef SF_STRING_H
#define SF_STRING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#define SF_NOEXCEPT noexcept
#else
#define SF_NOEXCEPT
#endif

void* sf_memcpy(void* dst, const void* src, size_t n) SF_NOEXCEPT;
void* sf_memmove(void* dst, const void* src, size_t n) SF_NOEXCEPT;
void* sf_memset(void* dst, int c, size_t n) SF_NOEXCEPT;
int sf_memcmp(const void* a, const void* b, size_t n) SF_NOEXCEPT;
void* sf_memchr(const void* s, int c, size_t n) SF_NOEXCEPT;

size_t sf_strlen(const char* s) SF_NOEXCEPT;
size_t sf_strnlen(const char* s, size_t max) SF_NOEXCEPT;
int sf_strcmp(const char* a, const char* b) SF_NOEXCEPT;
int sf_strncmp(const char* a, const char* b, size_t n) SF_NOEXCEPT;
char* sf_strchr(const char* s, int c) SF_NOEXCEPT;
char* sf_strrchr(const char* s, int c) SF_NOEXCEPT;
/* Copies `src` and its NUL; the buffers must not overlap. */
char* sf_strcpy(char* dst, const char* src) SF_NOEXCEPT;
/* Like sf_strcpy, but returns a pointer to the NUL written in `dst`. */
char* sf_stpcpy(char* dst, const char* src) SF_NOEXCEPT;
/* C semantics: pads with NULs up to `n`, no NUL if `src` has >= n bytes. */
char* sf_strncpy(char* dst, const char* src, size_t n) SF_NOEXCEPT;
/* Copies at most size-1 bytes and always NUL-terminates (size > 0); returns strlen(src). */
size_t sf_strlcpy(char* dst, const char* src, size_t size) SF_NOEXCEPT;
/* Appends `src`; the buffers must not overlap. */
char* sf_strcat(char* dst, const char* src) SF_NOEXCEPT;

/* ASCII classification (the C locale). */
int sf_isspace(int c) SF_NOEXCEPT;
int sf_isdigit(int c) SF_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* SF_STRING_H */
