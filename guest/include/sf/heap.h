/*
 * superfluid guest runtime: a heap over one caller-given memory range.
 *
 * Portable (guest and host). A first-fit, address-ordered free list; freeing
 * coalesces with both neighbours. Every block has a 16-byte header just below
 * the pointer handed out; payloads are 16-byte aligned (more on request).
 * Initialisation writes one header at the start of the range and nothing
 * else, and an allocation writes only its own header and the header of the
 * split-off rest, so pages are touched only when used.
 *
 * Not thread-safe (guests have one vCPU). Costs are O(free blocks).
 */
#ifndef SF_HEAP_H
#define SF_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "sf/string.h" /* SF_NOEXCEPT */

#ifdef __cplusplus
extern "C" {
#endif

struct sf_heap {
    uintptr_t begin;     /* first block, 16-byte aligned */
    uintptr_t end;       /* one past the last block */
    uintptr_t free_list; /* first free block (address order), 0 if none */
};

struct sf_heap_stats {
    size_t free_bytes;   /* sum of free block sizes (headers included) */
    size_t used_bytes;   /* sum of allocated block sizes (headers included) */
    size_t free_blocks;  /* entries on the free list */
    size_t used_blocks;  /* allocated blocks */
    size_t largest_free; /* largest free block (header included) */
};

/* Alignment of every payload, and the header size. */
#define SF_HEAP_ALIGN 16u

/* Manages [base, base + size); a range too small for one block gives an empty heap. */
void sf_heap_init(struct sf_heap* heap, void* base, size_t size) SF_NOEXCEPT;

/*
 * Returns `size` bytes aligned to `align` (a power of two; values below 16
 * mean 16), or null when no free block fits or `align` is not a power of two.
 * size 0 gives a unique minimal block.
 */
void* sf_heap_alloc(struct sf_heap* heap, size_t size, size_t align) SF_NOEXCEPT;
/* Like sf_heap_alloc(heap, n * size, 16) with the bytes zeroed; null on overflow. */
void* sf_heap_calloc(struct sf_heap* heap, size_t n, size_t size) SF_NOEXCEPT;
/*
 * C realloc: null `ptr` allocates; size 0 frees `ptr` and returns null; grows
 * or shrinks in place when it can, else moves (16-byte alignment only). On
 * failure returns null and `ptr` stays valid.
 */
void* sf_heap_realloc(struct sf_heap* heap, void* ptr, size_t size) SF_NOEXCEPT;
/*
 * Frees `ptr` (null is a no-op). Returns 0 if `ptr` is not an allocated block
 * of this heap (a double free or a stray pointer), leaving the heap untouched.
 */
int sf_heap_free(struct sf_heap* heap, void* ptr) SF_NOEXCEPT;

/* Bytes usable at `ptr` (at least what was asked for); 0 for null or a bad pointer. */
size_t sf_heap_usable_size(const struct sf_heap* heap, const void* ptr) SF_NOEXCEPT;

/* Walks every block; returns 0 if the heap is inconsistent. Fills `stats` when not null. */
int sf_heap_check(const struct sf_heap* heap, struct sf_heap_stats* stats) SF_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* SF_HEAP_H */
