// superfluid guest runtime: malloc and friends over one global sf_heap (guest-only).
//
// The heap covers [_end, SF_STACK_GUARD_GPA(mem_size)) and is initialised on
// the first call, so a guest that never allocates never touches its pages.
#include "sf/heap.h"
#include "sf/hypercall.h"
#include "sf/libc.h"

extern "C" char _end[]; // from linker.ld: one past .bss

namespace {

sf_heap g_heap;
bool g_heap_ready;

sf_heap* heap() {
    if (!g_heap_ready) {
        const uintptr_t begin = reinterpret_cast<uintptr_t>(_end);
        const uint64_t mem = sf_get_boot_info()->mem_size;
        const uintptr_t end = SF_STACK_GUARD_GPA(mem); // the monitor guarantees mem > _end + stack + guard
        sf_heap_init(&g_heap, _end, end > begin ? end - begin : 0);
        g_heap_ready = true;
    }
    return &g_heap;
}

bool power_of_two(size_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

} // namespace

extern "C" {

void* malloc(size_t size) noexcept {
    return sf_heap_alloc(heap(), size, SF_HEAP_ALIGN);
}

void* calloc(size_t n, size_t size) noexcept {
    return sf_heap_calloc(heap(), n, size);
}

void* realloc(void* ptr, size_t size) noexcept {
    if (ptr != nullptr && sf_heap_usable_size(heap(), ptr) == 0) {
        printf("realloc(): invalid pointer %p\n", ptr);
        abort();
    }
    return sf_heap_realloc(heap(), ptr, size);
}

void* aligned_alloc(size_t align, size_t size) noexcept {
    return power_of_two(align) ? sf_heap_alloc(heap(), size, align) : nullptr;
}

int posix_memalign(void** out, size_t align, size_t size) noexcept {
    constexpr int kEinval = 22, kEnomem = 12;
    if (!power_of_two(align) || align % sizeof(void*) != 0) return kEinval;
    void* p = sf_heap_alloc(heap(), size, align);
    if (p == nullptr) return kEnomem;
    *out = p;
    return 0;
}

size_t malloc_usable_size(void* ptr) noexcept {
    return sf_heap_usable_size(heap(), ptr);
}

void free(void* ptr) noexcept {
    if (ptr == nullptr) return;
    if (sf_heap_free(heap(), ptr) == 0) {
        printf("free(): invalid pointer %p\n", ptr);
        abort();
    }
}

} // extern "C"
