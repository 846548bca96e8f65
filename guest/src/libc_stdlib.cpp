// superfluid guest runtime: the rest of <stdlib.h> (guest-only).
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/strtol.h"

extern "C" {

long strtol(const char* s, char** end, int base) noexcept {
    return sf_strtol(s, end, base);
}
unsigned long strtoul(const char* s, char** end, int base) noexcept {
    return sf_strtoul(s, end, base);
}
long long strtoll(const char* s, char** end, int base) noexcept {
    return sf_strtoll(s, end, base);
}
unsigned long long strtoull(const char* s, char** end, int base) noexcept {
    return sf_strtoull(s, end, base);
}
int atoi(const char* s) noexcept {
    return sf_atoi(s);
}

void abort(void) noexcept {
    static const char kMessage[] = "abort\n";
    sf_console_write(kMessage, sizeof kMessage - 1);
    sf_exit(134); // 128 + SIGABRT, as a shell would report it
}

void exit(int status) noexcept {
    sf_exit(status);
}

} // extern "C"
