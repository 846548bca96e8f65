// superfluid sample guest: crash-badptr.
//
// Prints "crash-badptr: console write from 0xADDR", then asks for a console
// write from a buffer 4 KiB past the end of guest memory; the monitor must
// end the guest. If the call returns, prints "crash-badptr: survived (ret R)"
// and exits 1.
#include "sf/hypercall.h"
#include "sf/libc.h"

int main(int, char**) {
    const uint64_t bad = sf_get_boot_info()->mem_size + 4096;
    printf("crash-badptr: console write from %p\n", reinterpret_cast<void*>(bad));
    const int64_t ret = sf_console_write(reinterpret_cast<const void*>(bad), 16);
    printf("crash-badptr: survived (ret %lld)\n", static_cast<long long>(ret));
    return 1;
}
