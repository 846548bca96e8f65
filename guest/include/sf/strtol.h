/*
 * superfluid guest runtime: string to integer conversion.
 *
 * Portable (guest and host). C semantics: leading whitespace, an optional
 * sign, base 0 detects 0x / 0 prefixes, base 16 accepts an optional 0x.
 * There is no errno: out-of-range values saturate (LONG_MAX, ULONG_MAX, ...)
 * and `end` (when not null) tells where parsing stopped; no digits at all
 * gives 0 with *end == s.
 */
#ifndef SF_STRTOL_H
#define SF_STRTOL_H

#include "sf/string.h" /* SF_NOEXCEPT */

#ifdef __cplusplus
extern "C" {
#endif

unsigned long long sf_strtoull(const char* s, char** end, int base) SF_NOEXCEPT;
long long sf_strtoll(const char* s, char** end, int base) SF_NOEXCEPT;
unsigned long sf_strtoul(const char* s, char** end, int base) SF_NOEXCEPT;
long sf_strtol(const char* s, char** end, int base) SF_NOEXCEPT;
/* Base 10, saturating to the int range. */
int sf_atoi(const char* s) SF_NOEXCEPT;
/* A whole string that is a decimal number in [0, max]: nothing else is
 * accepted (no sign, no spaces, no trailing text). Stores it in *out and
 * returns 1; returns 0 and leaves *out alone otherwise. */
int sf_parse_ulong(const char* s, unsigned long max, unsigned long* out) SF_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* SF_STRTOL_H */
