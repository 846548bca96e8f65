// superfluid sample guest: hcloop [COUNT].
//
// Makes COUNT clock hypercalls (default 10000) back to back and prints the
// guest's own measure of one round trip (rdtsc before and after, over the
// boot info's TSC frequency): what a hypercall costs on the backend that
// runs it. Output (one line):
//   hcloop: N hypercalls, X ns each
#include "sf/hypercall.h"
#include "sf/libc.h"

int main(int argc, char** argv) {
    unsigned long long count = argc > 1 ? strtoull(argv[1], nullptr, 10) : 10000;
    if (count == 0) count = 1;
    const sf_boot_info* info = sf_get_boot_info();
    const uint64_t start = __builtin_ia32_rdtsc();
    for (unsigned long long i = 0; i < count; ++i)
        sf_clock(nullptr, nullptr);
    const uint64_t cycles = __builtin_ia32_rdtsc() - start;
    const unsigned long long ns = cycles * 1000ull / (info->tsc_hz / 1000000ull) / count;
    printf("hcloop: %llu hypercalls, %llu ns each\n", count, ns);
    return 0;
}
