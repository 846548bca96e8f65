// superfluid sample guest: crash-spin.
//
// Prints "crash-spin: spinning" and then loops forever without a hypercall,
// for the monitor's --timeout handling.
#include "sf/libc.h"

int main(int, char**) {
    puts("crash-spin: spinning");
    for (;;)
        __asm__ __volatile__("pause" ::: "memory");
}
