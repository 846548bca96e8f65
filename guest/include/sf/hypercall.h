/*
 * superfluid guest runtime: hypercall wrappers and boot info (guest-only).
 *
 * Every call here is one or more 32-bit `out`s of an argument struct's
 * address to SF_HYPERCALL_PORT_BASE + number (see superfluid/abi.h). The
 * structs live on the caller's stack, which lies inside guest memory and is
 * naturally aligned. Each hypercall costs one VM exit (~20 us here), so the
 * functions document how many they make.
 */
#ifndef SF_HYPERCALL_H
#define SF_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "superfluid/abi.h"

#ifdef __cplusplus
extern "C" {
#define SF_NORETURN [[noreturn]]
#else
#define SF_NORETURN _Noreturn
#endif


/* Issues hypercall `nr` with argument struct `arg` (no checks). */
static inline void sf_hypercall(enum sf_hypercall nr, void* arg) {
    uint32_t addr = (uint32_t)(uintptr_t)arg;
    uint16_t port = (uint16_t)(SF_HYPERCALL_PORT_BASE + (unsigned)nr);
    __asm__ __volatile__("outl %0, %1" : : "a"(addr), "Nd"(port) : "memory");
}

/* Reads the time-stamp counter (no hypercall; ticks at boot_info->tsc_hz). */
static inline uint64_t sf_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* The boot info the monitor wrote at SF_BOOT_INFO_GPA (read-only; no hypercall).
 * (Not named sf_boot_info: in C++ that would hide the struct of the same name.) */
const struct sf_boot_info* sf_get_boot_info(void);

/*
 * Writes `len` bytes to the console, in chunks of SF_CONSOLE_WRITE_MAX (one
 * hypercall per chunk). Returns the bytes written, or the monitor's negative
 * error from the first failing chunk.
 */
int64_t sf_console_write(const void* data, size_t len);

/* Reads both clocks with one hypercall; either pointer may be null. */
void sf_clock(uint64_t* monotonic_ns, uint64_t* wall_ns);
/* Nanoseconds since the guest started (one hypercall). */
uint64_t sf_monotonic_ns(void);
/* Nanoseconds since the Unix epoch, UTC (one hypercall). */
uint64_t sf_wall_ns(void);

/*
 * Waits until the monotonic clock reaches `deadline_ns` or an I/O source is
 * ready (one hypercall). Returns the ready set: 0 means the deadline passed.
 */
uint64_t sf_poll(uint64_t deadline_ns);
/* Sleeps until the monotonic clock reaches `deadline_ns` (one poll per wake-up). */
void sf_sleep_until(uint64_t deadline_ns);
/* Sleeps for `ns` nanoseconds (one clock read plus sf_sleep_until). */
void sf_sleep_ns(uint64_t ns);

/*
 * Registers the rings of NIC `nic` (ABI 2; one hypercall). `rings` must be
 * 64-byte aligned, inside guest memory, with zeroed indices. Returns 0, or
 * -SF_ENODEV (no such NIC), -SF_EBUSY (already attached), -SF_EINVAL (misplaced).
 */
int64_t sf_net_attach(uint32_t nic, struct sf_net_rings* rings);
/* Has the monitor send what NIC `nic`'s TX ring holds (one hypercall).
 * Returns the frames taken, or -SF_ENODEV (not attached). */
int64_t sf_net_kick(uint32_t nic);

/* Ends the guest with `status` (0 = success). Never returns. */
SF_NORETURN void sf_exit(int status);

#ifdef __cplusplus
}
#endif

#endif /* SF_HYPERCALL_H */
