// superfluid sample guest: ticker.
//
// Usage: ticker [COUNT [INTERVAL_MS]]   (defaults 5 and 100)
// Prints COUNT lines "tick I/COUNT at T ms", the I-th when I * INTERVAL_MS
// have passed since it started (T is the measured time since then). The
// deadlines are absolute, so delays do not add up. Exits 0; bad arguments
// print a usage line and exit 2.
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/strtol.h"

namespace {

constexpr unsigned long kCountMax = 1000000;
constexpr unsigned long kIntervalMaxMs = 3600000; // one hour
constexpr uint64_t kNsPerMs = 1000000;

int usage() {
    printf("usage: ticker [COUNT [INTERVAL_MS]] (COUNT <= %lu, INTERVAL_MS <= %lu)\n", kCountMax,
           kIntervalMaxMs);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    unsigned long count = 5;
    unsigned long interval_ms = 100;
    if (argc > 3 || (argc > 1 && !sf_parse_ulong(argv[1], kCountMax, &count)) ||
        (argc > 2 && !sf_parse_ulong(argv[2], kIntervalMaxMs, &interval_ms)))
        return usage();
    const uint64_t start = sf_monotonic_ns();
    for (unsigned long i = 1; i <= count; ++i) {
        sf_sleep_until(start + i * interval_ms * kNsPerMs);
        const uint64_t elapsed_ms = (sf_monotonic_ns() - start) / kNsPerMs;
        printf("tick %lu/%lu at %llu ms\n", i, count, static_cast<unsigned long long>(elapsed_ms));
    }
    return 0;
}
