// superfluid sample guest: idle.
//
// Prints one line and then waits in poll for ever (or for SECONDS, when
// given): a guest that is up and costs the host nothing. The boot storm
// benchmark runs thousands of these. Usage: idle [SECONDS]
#include "sf/hypercall.h"
#include "sf/libc.h"

int main(int argc, char** argv) {
    const sf_boot_info* info = sf_get_boot_info();
    printf("idle: guest '%s' id %llu ready\n", argv[0], static_cast<unsigned long long>(info->guest_id));
    if (argc > 1) {
        sf_sleep_ns(strtoull(argv[1], nullptr, 10) * 1000000000ull);
        return 0;
    }
    for (;;)
        sf_poll(UINT64_MAX);
}
