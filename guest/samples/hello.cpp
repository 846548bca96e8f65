// superfluid sample guest: hello.
//
// Prints one line describing its boot info and returns 0. It makes exactly
// two hypercalls, one console write and the exit, because boot time is
// measured to its first output. Output (one line):
//   hello from superfluid: guest 'NAME' id ID, abi N, M KiB memory, TSC F MHz, cmdline "CMDLINE"
#include "sf/hypercall.h"
#include "sf/libc.h"

int main(int, char**) {
    const sf_boot_info* info = sf_get_boot_info();
    char line[160 + SF_NAME_MAX + SF_CMDLINE_MAX];
    const int n = snprintf(line, sizeof line,
                           "hello from superfluid: guest '%.*s' id %llu, abi %u, %llu KiB memory, "
                           "TSC %llu MHz, cmdline \"%.*s\"\n",
                           static_cast<int>(SF_NAME_MAX - 1), info->name,
                           static_cast<unsigned long long>(info->guest_id), info->abi_version,
                           static_cast<unsigned long long>(info->mem_size / 1024),
                           static_cast<unsigned long long>(info->tsc_hz / 1000000),
                           static_cast<int>(SF_CMDLINE_MAX - 1), info->cmdline);
    const size_t len = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
    return sf_console_write(line, len) < 0 ? 1 : 0;
}
