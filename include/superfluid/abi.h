/*
 * superfluid guest ABI: the contract between the monitor (src/vmm/) and the
 * guest runtime (guest/). Shared by C++ host code and freestanding guest code,
 * so it uses only fixed-width types and no library beyond <stdint.h>.
 *
 * Memory model (guest-physical == guest-virtual, identity mapped):
 *   [0, 4 KiB)            not mapped: a null dereference faults
 *   [4 KiB, 8 KiB)        boot info (sf_boot_info), readable by the guest
 *   [8 KiB, 1 MiB)        monitor-private: GDT, TSS, page tables (no guest access)
 *   [1 MiB, mem_size)     the guest's own: image segments, then the heap, then
 *                         one unmapped guard page, then the stack (the top
 *                         SF_STACK_SIZE bytes): a stack overflow faults
 * The guest starts in 64-bit mode at CPL 3 with IOPL 3, at the ELF entry point,
 * with RDI = SF_BOOT_INFO_GPA and RSP = mem_size (16-byte aligned).
 * SSE is enabled. No CPUID table is set (every leaf reads as KVM's default,
 * zero): ABI 1 guests must not depend on `cpuid` (setting one costs ~50 us a boot).
 * Exceptions have no handler: any fault ends the guest (reported with rip).
 *
 * Hypercalls: the guest writes the guest-physical address (low 32 bits; all
 * guest memory lies below 4 GiB) of the call's argument struct to I/O port
 * SF_HYPERCALL_PORT_BASE + number with a 32-bit `out`. The struct must lie
 * wholly inside [1 MiB, mem_size) and be naturally aligned; so must every
 * buffer it points to. A violation ends the guest with a reason.
 * Fields marked IN are read by the monitor, OUT are written by it.
 */
#ifndef SUPERFLUID_ABI_H
#define SUPERFLUID_ABI_H

#include <stdint.h>

/* 2: NICs (boot info nics[], net_attach, net_kick, poll ready bits).
 * 3: the store (SF_HC_STORE, SF_POLL_STORE, the store's errors). */
#define SF_ABI_VERSION 3u

#define SF_PAGE_SIZE 0x1000ull
#define SF_BOOT_INFO_GPA 0x1000ull
#define SF_GUEST_BASE_GPA 0x100000ull /* images are linked at or above 1 MiB */
#define SF_MEM_MIN (2ull << 20)       /* 2 MiB */
#define SF_MEM_MAX (4ull << 30)       /* 4 GiB: hypercall addresses are 32-bit */
#define SF_STACK_SIZE (256ull << 10)  /* [mem_size - SF_STACK_SIZE, mem_size) */
/* clang-format 14 would read "(mem_size) -" as a cast */
/* clang-format off */
#define SF_STACK_GUARD_GPA(mem_size) ((mem_size) - SF_STACK_SIZE - SF_PAGE_SIZE) /* unmapped */
/* clang-format on */

#define SF_NAME_MAX 64u      /* guest name, NUL-terminated */
#define SF_CMDLINE_MAX 1024u /* command line, NUL-terminated */
#define SF_NIC_MAX 4u

/* Network interface i (nics[i], i < nic_count): what the host assigned. */
struct sf_nic_info {
    uint8_t mac[6];     /* IN */
    uint16_t mtu;       /* IN: 1500 */
    uint32_t ipv4_addr; /* IN, network byte order */
    uint32_t ipv4_mask; /* IN, network byte order */
    uint32_t ipv4_gw;   /* IN, network byte order: the host's uplink address (0: none) */
    uint8_t reserved[12];
};

/* Written by the monitor at SF_BOOT_INFO_GPA before the first instruction; read-only to the guest. */
struct sf_boot_info {
    uint32_t abi_version;         /* IN: SF_ABI_VERSION */
    uint32_t nic_count;           /* IN: valid entries in nics[] */
    uint64_t mem_size;            /* IN: bytes of guest memory, top of the stack */
    uint64_t tsc_hz;              /* IN: TSC ticks per second (rdtsc works at CPL 3) */
    uint64_t guest_id;            /* IN: host-unique id of this guest */
    uint64_t store_reserved;      /* reserved for store access (abi_version 1: zero) */
    char name[SF_NAME_MAX];       /* IN: guest name, NUL-terminated */
    char cmdline[SF_CMDLINE_MAX]; /* IN: command line, NUL-terminated */
    struct sf_nic_info nics[SF_NIC_MAX];
};

#define SF_HYPERCALL_PORT_BASE 0x500u

enum sf_hypercall {
    SF_HC_CONSOLE_WRITE = 1,
    SF_HC_CLOCK = 2,
    SF_HC_POLL = 3,
    SF_HC_EXIT = 4,
    SF_HC_NET_ATTACH = 5,
    SF_HC_NET_KICK = 6,
    SF_HC_STORE = 7, /* ABI 3 */
    SF_HC_COUNT      /* one past the highest number */
};

/* Write bytes to the guest's console. */
struct sf_hc_console_write {
    uint64_t data; /* IN: guest address of the bytes */
    uint64_t len;  /* IN: byte count, at most SF_CONSOLE_WRITE_MAX */
    int64_t ret;   /* OUT: bytes written (== len), or a negative error */
};
#define SF_CONSOLE_WRITE_MAX 65536u

/* Read the clocks. monotonic_ns counts from the guest's start and never goes back. */
struct sf_hc_clock {
    uint64_t monotonic_ns; /* OUT */
    uint64_t wall_ns;      /* OUT: nanoseconds since the Unix epoch (UTC) */
};

/*
 * Wait until monotonic_ns >= deadline_ns or an I/O source is ready. Before
 * waiting, poll sends what every attached NIC's TX ring holds (as
 * SF_HC_NET_KICK does), so a guest that answers and then waits makes one exit.
 * It returns at once when a ready source already has work.
 */
/* clang-format off */
struct sf_hc_poll {
    uint64_t deadline_ns; /* IN: on the monotonic clock of sf_hc_clock */
    uint64_t ready_set;   /* OUT: bitmask of ready sources, SF_POLL_NIC(i), SF_POLL_STORE (0: deadline passed) */
    int64_t ret;          /* OUT: 0 */
};
#define SF_POLL_NIC(i) (1ull << (i)) /* NIC i's RX ring holds frames */
#define SF_POLL_STORE (1ull << 63)   /* store watch events are queued (ABI 3): drain them with
                                        SF_STORE_NEXT_EVENT, or poll keeps returning at once */
/* clang-format on */

/* End the guest. Does not return. */
struct sf_hc_exit {
    int32_t status; /* IN: exit status, 0 = success */
    uint32_t reserved;
};

/*
 * NIC rings (ABI 2). Frames move through two single-producer single-consumer
 * rings in the guest's own memory, registered once with SF_HC_NET_ATTACH:
 * RX (monitor produces, guest consumes) and TX (guest produces, monitor
 * consumes). A burst of frames costs no exit on receive (the monitor fills
 * the RX ring while the guest runs or waits, and wakes a waiting guest) and
 * one exit on send (a kick, or the next poll). Chosen over batched copy
 * hypercalls because receive then costs no exit at all; see docs/net.md.
 *
 * Indices are free-running uint32 counters: slot = index % SF_NET_RING_SLOTS;
 * the ring holds head - tail frames (never more than SF_NET_RING_SLOTS).
 * The producer writes a slot, then publishes it by storing head (release);
 * the consumer reads head (acquire), reads slots, then stores tail (release).
 * Each side writes only its own index; the monitor keeps its own copies and
 * never trusts the guest's: a guest index that claims more than a ring holds,
 * or a TX slot length above SF_NET_FRAME_MAX, ends the guest with a reason.
 * A full RX ring drops the frame (counted by the monitor); a frame never waits.
 * Frames are Ethernet II without FCS, 14 to SF_NET_FRAME_MAX bytes.
 */
#define SF_NET_RING_SLOTS 32u
#define SF_NET_SLOT_SIZE 2048u
#define SF_NET_FRAME_MAX 1514u

struct sf_net_slot {
    uint16_t len; /* producer: frame length */
    uint16_t reserved[3];
    uint8_t frame[SF_NET_SLOT_SIZE - 8];
};

struct sf_net_ring {
    uint32_t head; /* producer's index */
    uint8_t pad0[60];
    uint32_t tail; /* consumer's index */
    uint8_t pad1[60];
    struct sf_net_slot slots[SF_NET_RING_SLOTS];
};

/* What SF_HC_NET_ATTACH registers: 64-byte aligned, inside the guest's memory. */
struct sf_net_rings {
    struct sf_net_ring rx; /* monitor -> guest */
    struct sf_net_ring tx; /* guest -> monitor */
};

/*
 * Registers the rings of NIC `nic` (< nic_count). The guest zeroes them
 * first; the monitor starts its indices at the values it finds. Attaching
 * twice, or a NIC that does not exist, is an error in ret (not a fault).
 * Frames for the NIC before it is attached are dropped.
 */
struct sf_hc_net_attach {
    uint32_t nic; /* IN */
    uint32_t reserved;
    uint64_t rings; /* IN: guest address of struct sf_net_rings */
    int64_t ret;    /* OUT: 0, or -SF_ENODEV (no such NIC) / -SF_EBUSY (attached) / -SF_EINVAL (misplaced) */
};

/* Sends what NIC `nic`'s TX ring holds. */
struct sf_hc_net_kick {
    uint32_t nic; /* IN */
    uint32_t reserved;
    int64_t ret; /* OUT: frames taken from the ring, or -SF_ENODEV (not attached) */
};

/*
 * The store (ABI 3): XenStore-like keys, read, written and watched by the
 * guest through its host's store (sfstore), as an unprivileged client whose
 * domain id is the guest's id. A path is absolute ("/local/domain/7/data/x")
 * or relative to the guest's home ("data/x" is /local/domain/<guest_id>/data/x);
 * the store's permissions decide what the guest may see and change, its
 * quotas how much it may write. Paths, values and tokens are byte strings
 * without NUL, given by address and length (no terminator needed).
 *
 * Ops (field use; every op sets ret):
 *   SF_STORE_READ    path -> the value into value[0, value_len); OUT value_len = its length
 *   SF_STORE_WRITE   path, value[0, value_len) -> writes it (creates missing parents)
 *   SF_STORE_RM      path -> removes it and everything below
 *   SF_STORE_LIST    path -> the children's names, each NUL-terminated, into value; OUT value_len
 *   SF_STORE_WATCH   path, token = value[0, value_len) -> events for changes at or below path
 *                    (the store also sends one event at once, for path itself)
 *   SF_STORE_UNWATCH path, token -> stops that watch
 *   SF_STORE_NEXT_EVENT (path unused) -> the oldest queued watch event into value as
 *                    "PATH\0TOKEN\0" (at most SF_STORE_EVENT_MAX bytes); OUT value_len;
 *                    -SF_EAGAIN when none is queued
 * For READ, LIST and NEXT_EVENT, value_len IN is the buffer's size and OUT the
 * answer's full size; an answer larger than the buffer gives -SF_ERANGE with
 * nothing copied (and NEXT_EVENT keeps the event queued): retry with value_len bytes.
 * Errors (ret): the store's (-SF_ENOENT, -SF_EACCES, -SF_ENOSPC: quota,
 * -SF_E2BIG: value or request too large, -SF_EINVAL: malformed path, NUL in
 * path or token, unknown op, -SF_EEXIST, -SF_EAGAIN, -SF_EPERM, -SF_ENOMEM,
 * -SF_ENOSYS), -SF_EIO when the store did not answer (within 5 s, or it is
 * gone), -SF_ENODEV when the guest has no store (a guest run by `sfctl run`).
 * At most SF_STORE_QUEUE_MAX events wait per guest; older ones are dropped.
 * A path over SF_STORE_PATH_MAX bytes, a WRITE/WATCH/UNWATCH value over
 * SF_STORE_VALUE_MAX, or a path or value buffer outside the guest's memory
 * ends the guest with a reason. The vCPU waits for the store's answer
 * (a round trip to sfd, tens of microseconds).
 */
enum sf_store_op {
    SF_STORE_READ = 1,
    SF_STORE_WRITE = 2,
    SF_STORE_RM = 3,
    SF_STORE_LIST = 4,
    SF_STORE_WATCH = 5,
    SF_STORE_UNWATCH = 6,
    SF_STORE_NEXT_EVENT = 7,
};
#define SF_STORE_PATH_MAX 3072u  /* bytes of a path */
#define SF_STORE_VALUE_MAX 4096u /* bytes written by WRITE, or a token */
#define SF_STORE_QUEUE_MAX 64u   /* watch events queued per guest */
#define SF_STORE_EVENT_MAX 4096u /* bytes of one event (XenStore's payload limit) */

struct sf_hc_store {
    uint32_t op;        /* IN: enum sf_store_op */
    int32_t ret;        /* OUT: 0, or a negative error */
    uint64_t path;      /* IN: guest address of the path's bytes */
    uint32_t path_len;  /* IN: at most SF_STORE_PATH_MAX */
    uint32_t value_len; /* IN: bytes to write / buffer size; OUT: the answer's full size */
    uint64_t value;     /* IN: guest address of the value, token or answer buffer */
};

/* Errors returned in `ret` fields (negated), Linux's numbers. */
#define SF_EPERM 1
#define SF_ENOENT 2
#define SF_EIO 5
#define SF_E2BIG 7
#define SF_EAGAIN 11
#define SF_ENOMEM 12
#define SF_EACCES 13
#define SF_EBUSY 16
#define SF_EEXIST 17
#define SF_ENODEV 19
#define SF_EINVAL 22
#define SF_ENOSPC 28
#define SF_ERANGE 34
#define SF_ENOSYS 38

#ifdef __cplusplus
#define SF_ABI_ASSERT(e) static_assert(e, #e)
#else
#define SF_ABI_ASSERT(e) _Static_assert(e, #e)
#endif
SF_ABI_ASSERT(sizeof(struct sf_nic_info) == 32);
SF_ABI_ASSERT(sizeof(struct sf_boot_info) == 40 + SF_NAME_MAX + SF_CMDLINE_MAX + 32 * SF_NIC_MAX);
SF_ABI_ASSERT(sizeof(struct sf_boot_info) <= SF_PAGE_SIZE);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_boot_info, tsc_hz) == 16);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_boot_info, name) == 40);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_boot_info, cmdline) == 104);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_boot_info, nics) == 1128);
SF_ABI_ASSERT(sizeof(struct sf_hc_console_write) == 24);
SF_ABI_ASSERT(sizeof(struct sf_hc_clock) == 16);
SF_ABI_ASSERT(sizeof(struct sf_hc_poll) == 24);
SF_ABI_ASSERT(sizeof(struct sf_hc_exit) == 8);
SF_ABI_ASSERT(sizeof(struct sf_net_slot) == SF_NET_SLOT_SIZE);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_net_ring, tail) == 64);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_net_ring, slots) == 128);
SF_ABI_ASSERT(sizeof(struct sf_net_ring) == 128 + SF_NET_RING_SLOTS * SF_NET_SLOT_SIZE);
SF_ABI_ASSERT(sizeof(struct sf_net_rings) == 2 * sizeof(struct sf_net_ring));
SF_ABI_ASSERT((SF_NET_RING_SLOTS & (SF_NET_RING_SLOTS - 1)) == 0);
SF_ABI_ASSERT(SF_NET_FRAME_MAX <= SF_NET_SLOT_SIZE - 8);
SF_ABI_ASSERT(sizeof(struct sf_hc_net_attach) == 24);
SF_ABI_ASSERT(sizeof(struct sf_hc_net_kick) == 16);
SF_ABI_ASSERT(sizeof(struct sf_hc_store) == 32);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_hc_store, path) == 8);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_hc_store, value_len) == 20);
SF_ABI_ASSERT(__builtin_offsetof(struct sf_hc_store, value) == 24);
SF_ABI_ASSERT(SF_POLL_STORE > SF_POLL_NIC(SF_NIC_MAX - 1));
#undef SF_ABI_ASSERT

#endif /* SUPERFLUID_ABI_H */
