// superfluid sample guest: chatter.
//
// Usage: chatter [LINES]   (default 1000)
// Writes LINES numbered lines of 1 KiB each as fast as the console takes
// them ("line I/LINES " padded with '.' to 1023 bytes, then a newline), then
// exits 0: a guest that talks faster than anyone reads (sfd's console
// back-pressure tests).
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/strtol.h"

namespace {

constexpr unsigned long kLinesMax = 10000000;
constexpr size_t kLineBytes = 1024;

} // namespace

int main(int argc, char** argv) {
    unsigned long lines = 1000;
    if (argc > 2 || (argc > 1 && !sf_parse_ulong(argv[1], kLinesMax, &lines))) {
        printf("usage: chatter [LINES] (LINES <= %lu)\n", kLinesMax);
        return 2;
    }
    static char line[kLineBytes];
    for (unsigned long i = 1; i <= lines; ++i) {
        const int head = snprintf(line, sizeof line, "line %lu/%lu ", i, lines);
        for (size_t j = static_cast<size_t>(head); j < kLineBytes - 1; ++j)
            line[j] = '.';
        line[kLineBytes - 1] = '\n';
        sf_console_write(line, kLineBytes);
    }
    return 0;
}
