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
 * ready (one hypercall). Returns the ready set: 0 means the deadline passed;
 * SF_POLL_NIC(i) NIC i has frames; SF_POLL_STORE store watch events wait
 * (take them with sf_store_next_event, or every poll returns at once).
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

/*
 * The store (ABI 3; abi.h, "The store"). Paths are NUL-terminated strings,
 * absolute or relative to the guest's home /local/domain/<guest_id>. Each
 * call is one hypercall, and the guest waits for the store's answer. Errors
 * are negative: -SF_ENOENT, -SF_EACCES, -SF_ENOSPC (quota), -SF_E2BIG,
 * -SF_EINVAL, -SF_EIO (no answer), -SF_ENODEV (no store), ...
 */
/* Reads `path` into buf (size bytes) and NUL-terminates it. Returns the value's
 * length, or -SF_ERANGE if it needs more than size - 1 bytes, or an error. */
int64_t sf_store_read(const char* path, char* buf, size_t size);
/* Writes the NUL-terminated `value` at `path` (creating missing parents). 0 or an error. */
int64_t sf_store_write(const char* path, const char* value);
/* Writes `len` bytes at `path`. 0 or an error. */
int64_t sf_store_write_bytes(const char* path, const void* value, size_t len);
/* Removes `path` and everything below it. 0 or an error. */
int64_t sf_store_rm(const char* path);
/* The names of `path`'s children, each NUL-terminated, into buf. Returns the
 * bytes used, or -SF_ERANGE if size is too small, or an error. */
int64_t sf_store_list(const char* path, char* buf, size_t size);
/* Watches `path` and everything below it; events carry `token`. The store
 * queues one event at once. 0 or an error. */
int64_t sf_store_watch(const char* path, const char* token);
int64_t sf_store_unwatch(const char* path, const char* token);
/* Takes the oldest watch event into buf ("PATH\0TOKEN\0") and points *path and
 * *token into it (either pointer may be null). Returns its size, -SF_EAGAIN if
 * none is queued, -SF_ERANGE if it does not fit (it stays queued). */
int64_t sf_store_next_event(char* buf, size_t size, const char** path, const char** token);

/* The name of an error ("ENOENT" for 2 or -2), "E?" for one the ABI does not name. */
const char* sf_error_name(int64_t error);

/* Ends the guest with `status` (0 = success). Never returns. */
SF_NORETURN void sf_exit(int status);

#ifdef __cplusplus
}
#endif

#endif /* SF_HYPERCALL_H */
