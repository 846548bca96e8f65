/* superfluid process backend: the wire between a worker (the monitor) and a
 * sandbox process (src/vmm/process/sandbox/) that runs one guest.
 *
 * One SOCK_SEQPACKET socket, at SF_SANDBOX_CHANNEL_FD in the sandbox; every
 * message is one packet of exactly the struct's size, fixed-width fields.
 *
 *   monitor -> sandbox  sf_sandbox_setup, once, with the guest memory's memfd
 *                       (SCM_RIGHTS); the sandbox maps it and answers a stop
 *                       of kind READY.
 *   sandbox -> monitor  sf_sandbox_stop each time guest code stops (a trap,
 *                       an interruption): the whole user-mode CPU state.
 *   monitor -> sandbox  sf_sandbox_resume: the state to go on with (RUN), or
 *                       EXIT. The sandbox waits for nothing else.
 *
 * The monitor trusts nothing in a stop but that it came from this guest: the
 * registers are the guest's own to choose anyway.
 */
#pragma once

#include <stdint.h>

#define SF_SANDBOX_VERSION 1u
#define SF_SANDBOX_MAGIC 0x53465342u /* "SFSB" */
#define SF_SANDBOX_CHANNEL_FD 3
#define SF_SANDBOX_MAX_REGIONS 64u
/* The signal the monitor sends to stop a running guest (SF_SANDBOX_STOP_INTERRUPTED). */
#define SF_SANDBOX_INTERRUPT_SIGNAL 10 /* SIGUSR1 */

struct sf_sandbox_region {
    uint64_t gpa;   /* IN: page aligned */
    uint64_t len;   /* IN: page aligned */
    uint32_t perms; /* IN: 4 read, 2 write, 1 execute (ELF p_flags); 0 unmapped */
    uint32_t reserved;
};

struct sf_sandbox_setup {
    uint32_t magic;   /* SF_SANDBOX_MAGIC */
    uint32_t version; /* SF_SANDBOX_VERSION */
    uint64_t mem_size;
    uint32_t region_count; /* <= SF_SANDBOX_MAX_REGIONS, cover [0, mem_size) in order */
    uint32_t reserved;
    struct sf_sandbox_region regions[SF_SANDBOX_MAX_REGIONS];
};

/* The general registers in the order of Linux's struct kvm_regs. */
struct sf_sandbox_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

#define SF_SANDBOX_STOP_READY 1u        /* memory mapped, no guest code run yet */
#define SF_SANDBOX_STOP_SIGNAL 2u       /* guest code trapped: signo, code, ... */
#define SF_SANDBOX_STOP_INTERRUPTED 3u  /* SF_SANDBOX_INTERRUPT_SIGNAL arrived */
#define SF_SANDBOX_STOP_SETUP_FAILED 4u /* errno_value: why the setup failed */

struct sf_sandbox_stop {
    uint32_t kind;
    int32_t signo;         /* SIGNAL: the signal (SIGSEGV, SIGILL, SIGSYS, ...) */
    int32_t code;          /* SIGNAL: si_code */
    int32_t syscall_nr;    /* SIGSYS: the system call refused */
    uint32_t syscall_arch; /* SIGSYS: AUDIT_ARCH_* of the call */
    int32_t errno_value;   /* SETUP_FAILED */
    uint64_t fault_addr;   /* SIGSEGV, SIGBUS: si_addr */
    uint64_t trapno;       /* the CPU exception number, as the kernel saw it */
    uint64_t error_code;   /* its error code (page faults: bit 1 write, bit 4 fetch) */
    struct sf_sandbox_regs regs;
    uint8_t fxsave[512]; /* x87 and SSE state, FXSAVE layout */
};

/* RFLAGS bits a user-mode sigreturn takes from a frame (the rest are the
 * kernel's): CF PF AF ZF SF TF DF OF NT AC. */
#define SF_SANDBOX_USER_FLAGS 0x44dd5ull

#define SF_SANDBOX_RESUME_RUN 1u
#define SF_SANDBOX_RESUME_EXIT 2u

struct sf_sandbox_resume {
    uint32_t kind;
    uint32_t reserved;
    struct sf_sandbox_regs regs; /* RUN: rflags is masked to user flags */
    uint8_t fxsave[512];         /* RUN: MXCSR reserved bits are cleared */
};

#ifdef __cplusplus
static_assert(sizeof(struct sf_sandbox_region) == 24, "region layout");
static_assert(sizeof(struct sf_sandbox_setup) == 24 + 24 * SF_SANDBOX_MAX_REGIONS, "setup layout");
static_assert(sizeof(struct sf_sandbox_regs) == 144, "regs layout (kvm_regs)");
static_assert(sizeof(struct sf_sandbox_stop) == 48 + 144 + 512, "stop layout");
static_assert(sizeof(struct sf_sandbox_resume) == 8 + 144 + 512, "resume layout");
#endif
