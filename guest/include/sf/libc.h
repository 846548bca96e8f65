/*
 * superfluid guest runtime: the C library subset, under the standard names
 * (guest-only). Include this instead of <string.h>, <stdio.h> or <stdlib.h>:
 * guests must not use the host's libc headers.
 *
 * Output: printf, puts and putchar write to the console; printf formats into
 * a 1 KiB stack buffer and makes one hypercall per call when the output fits
 * (more, in 1 KiB pieces, when it does not). There is no FILE and no errno.
 * The heap spans [_end, SF_STACK_GUARD_GPA(mem_size)) and is set up on the
 * first allocation. abort() prints "abort" and exits with status 134.
 */
#ifndef SF_LIBC_H
#define SF_LIBC_H

#include <stdarg.h>
#include <stddef.h>

#include "sf/string.h" /* SF_NOEXCEPT */

#ifdef __cplusplus
extern "C" {
#define SF_LIBC_NORETURN [[noreturn]]
#else
#define SF_LIBC_NORETURN _Noreturn
#endif

#define SF_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* <string.h> */
void* memcpy(void* dst, const void* src, size_t n) SF_NOEXCEPT;
void* memmove(void* dst, const void* src, size_t n) SF_NOEXCEPT;
void* memset(void* dst, int c, size_t n) SF_NOEXCEPT;
int memcmp(const void* a, const void* b, size_t n) SF_NOEXCEPT;
void* memchr(const void* s, int c, size_t n) SF_NOEXCEPT;
size_t strlen(const char* s) SF_NOEXCEPT;
size_t strnlen(const char* s, size_t max) SF_NOEXCEPT;
int strcmp(const char* a, const char* b) SF_NOEXCEPT;
int strncmp(const char* a, const char* b, size_t n) SF_NOEXCEPT;
char* strchr(const char* s, int c) SF_NOEXCEPT;
char* strrchr(const char* s, int c) SF_NOEXCEPT;
char* strcpy(char* dst, const char* src) SF_NOEXCEPT;
char* stpcpy(char* dst, const char* src) SF_NOEXCEPT;
char* strncpy(char* dst, const char* src, size_t n) SF_NOEXCEPT;
size_t strlcpy(char* dst, const char* src, size_t size) SF_NOEXCEPT;
char* strcat(char* dst, const char* src) SF_NOEXCEPT;

/* <stdio.h> */
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) SF_NOEXCEPT SF_PRINTF_LIKE(3, 0);
int snprintf(char* buf, size_t size, const char* fmt, ...) SF_NOEXCEPT SF_PRINTF_LIKE(3, 4);
/* Return the bytes written, or -1 if the console refused them. */
int vprintf(const char* fmt, va_list ap) SF_PRINTF_LIKE(1, 0);
int printf(const char* fmt, ...) SF_PRINTF_LIKE(1, 2);
int puts(const char* s);
int putchar(int c);

/* <stdlib.h> */
void* malloc(size_t size) SF_NOEXCEPT;
void* calloc(size_t n, size_t size) SF_NOEXCEPT;
void* realloc(void* ptr, size_t size) SF_NOEXCEPT;
void* aligned_alloc(size_t align, size_t size) SF_NOEXCEPT;
int posix_memalign(void** out, size_t align, size_t size) SF_NOEXCEPT;
size_t malloc_usable_size(void* ptr) SF_NOEXCEPT;
/* Aborts on a pointer that is not a live allocation. */
void free(void* ptr) SF_NOEXCEPT;
long strtol(const char* s, char** end, int base) SF_NOEXCEPT;
unsigned long strtoul(const char* s, char** end, int base) SF_NOEXCEPT;
long long strtoll(const char* s, char** end, int base) SF_NOEXCEPT;
unsigned long long strtoull(const char* s, char** end, int base) SF_NOEXCEPT;
int atoi(const char* s) SF_NOEXCEPT;
SF_LIBC_NORETURN void abort(void) SF_NOEXCEPT;
SF_LIBC_NORETURN void exit(int status) SF_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* SF_LIBC_H */
