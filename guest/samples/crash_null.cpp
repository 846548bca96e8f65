// superfluid sample guest: crash-null.
//
// Prints "crash-null: reading address 0", then reads a null pointer, which
// must fault (page 0 is not mapped). If the read returns, prints
// "crash-null: survived" and exits 1.
#include "sf/libc.h"

#include <stdint.h>

int main(int, char**) {
    puts("crash-null: reading address 0");
    volatile uintptr_t address = 0; // opaque to the optimiser: a real load, not a trap instruction
    const int value = *reinterpret_cast<volatile int*>(address);
    printf("crash-null: survived (read %d)\n", value);
    return 1;
}
