// superfluid guest runtime: <stdio.h> names (guest-only).
//
// printf formats into a stack buffer whose flush writes it to the console,
// so short output costs exactly one hypercall.
#include "sf/format.h"
#include "sf/hypercall.h"
#include "sf/libc.h"

namespace {

constexpr size_t kPrintBuffer = 1024;

// Flushes the sink's buffer to the console; remembers a failure in ctx.
void console_flush(sf_format_sink* sink) {
    if (sink->len > 0 && sf_console_write(sink->buf, sink->len) < 0)
        sink->ctx = sink; // any non-null value: failed
    sink->len = 0;
}

int console_result(sf_format_sink* sink) {
    console_flush(sink);
    if (sink->ctx != nullptr) return -1;
    constexpr size_t kIntMax = __INT_MAX__;
    return static_cast<int>(sink->total < kIntMax ? sink->total : kIntMax);
}

} // namespace

extern "C" {

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) noexcept {
    return sf_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char* buf, size_t size, const char* fmt, ...) noexcept {
    va_list ap;
    va_start(ap, fmt);
    const int n = sf_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char* fmt, va_list ap) {
    char buf[kPrintBuffer];
    sf_format_sink sink{buf, sizeof buf, 0, 0, console_flush, nullptr};
    sf_vformat(&sink, fmt, ap);
    return console_result(&sink);
}

int printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char* s) {
    char buf[kPrintBuffer];
    sf_format_sink sink{buf, sizeof buf, 0, 0, console_flush, nullptr};
    sf_sink_write(&sink, s, sf_strlen(s));
    sf_sink_write(&sink, "\n", 1);
    return console_result(&sink);
}

int putchar(int c) {
    const auto ch = static_cast<char>(c);
    return sf_console_write(&ch, 1) < 0 ? -1 : static_cast<unsigned char>(ch);
}

} // extern "C"
