/*
 * superfluid guest runtime: printf-style formatting.
 *
 * Portable (guest and host). Conversions: %d %i %u %x %X %o %p %s %c %%;
 * flags '-', '0', '+', ' ', '#'; width and precision (also '*'); length
 * modifiers hh h l ll z j t. %p prints 0x followed by lower-case hex
 * ("0x0" for null); %s of null prints "(null)". No floating point: an
 * unknown conversion is copied to the output as written.
 *
 * Output goes to a sink: a caller-owned buffer plus an optional flush
 * callback, called when the buffer is full, that may empty it (printf
 * writes it to the console). Without a callback the output is truncated.
 */
#ifndef SF_FORMAT_H
#define SF_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#include "sf/string.h" /* SF_NOEXCEPT */

#ifdef __cplusplus
extern "C" {
#endif

struct sf_format_sink {
    char* buf;    /* where output goes */
    size_t cap;   /* bytes available in buf */
    size_t len;   /* bytes held in buf; flush may reset it */
    size_t total; /* bytes produced so far, flushed, held or dropped */
    /* Called when len == cap and more output comes; may set len lower. Null: drop. */
    void (*flush)(struct sf_format_sink* sink);
    void* ctx; /* for flush */
};

/* Formats into `sink`; returns the number of bytes produced by this call. Does not flush at the end. */
size_t sf_vformat(struct sf_format_sink* sink, const char* fmt, va_list ap) SF_NOEXCEPT;
/* Appends `n` bytes to `sink`, flushing as needed. */
void sf_sink_write(struct sf_format_sink* sink, const char* s, size_t n) SF_NOEXCEPT;

/*
 * C semantics: writes at most size-1 bytes plus a NUL (nothing when size is
 * 0, then buf may be null) and returns the length the full output would have
 * (saturated to INT_MAX).
 */
int sf_vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) SF_NOEXCEPT
    __attribute__((format(printf, 3, 0)));
int sf_snprintf(char* buf, size_t size, const char* fmt, ...) SF_NOEXCEPT
    __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* SF_FORMAT_H */
