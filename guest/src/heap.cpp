// superfluid guest runtime: first-fit heap with coalescing (portable).
//
// Layout: the range is a sequence of blocks, each starting with a 16-byte Block header.
// A free block's `link` is the next free block (address order); an allocated
// block's `link` is its address XOR kTag, which lets free() reject pointers
// that are not live blocks. Sizes include the header and are multiples of 16.
#include "sf/heap.h"

namespace {

struct Block {
    size_t size;
    uintptr_t link;
};

constexpr size_t kHeader = sizeof(Block);
constexpr size_t kMinBlock = 2 * kHeader;
constexpr uintptr_t kTag = 0x5f4150485f465355ull; // "USF_HPA_"
static_assert(kHeader == SF_HEAP_ALIGN, "payloads follow the header");

uintptr_t addr(const Block* b) {
    return reinterpret_cast<uintptr_t>(b);
}
Block* at(uintptr_t a) {
    return reinterpret_cast<Block*>(a);
}
Block* next_free(const Block* b) {
    return at(b->link);
}
uintptr_t align_up(uintptr_t v, uintptr_t align) {
    return (v + align - 1) & ~(align - 1);
}

void mark_used(Block* b) {
    b->link = addr(b) ^ kTag;
}
bool is_used(const Block* b) {
    return b->link == (addr(b) ^ kTag);
}

// Block size for a payload of `size` bytes, or 0 if it cannot exist in `heap`.
size_t block_size_for(const sf_heap* heap, size_t size) {
    if (size > heap->end - heap->begin) return 0;
    const size_t need = align_up(size + kHeader, SF_HEAP_ALIGN);
    return need < kMinBlock ? kMinBlock : need;
}

// The allocated block holding payload `ptr`, or null if `ptr` is not one.
Block* used_block(const sf_heap* heap, const void* ptr) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
    if (p < heap->begin + kHeader || p >= heap->end || (p & (SF_HEAP_ALIGN - 1)) != 0) return nullptr;
    Block* b = at(p - kHeader);
    if (!is_used(b) || b->size < kMinBlock || b->size > heap->end - addr(b)) return nullptr;
    return b;
}

// Inserts the (not yet listed) block `b` into the free list, merging it with adjacent free blocks.
void insert_free(sf_heap* heap, Block* b) {
    Block* prev = nullptr;
    Block* next = at(heap->free_list);
    while (next != nullptr && addr(next) < addr(b)) {
        prev = next;
        next = next_free(next);
    }
    b->link = addr(next);
    if (next != nullptr && addr(b) + b->size == addr(next)) {
        b->size += next->size;
        b->link = next->link;
    }
    if (prev != nullptr && addr(prev) + prev->size == addr(b)) {
        prev->size += b->size;
        prev->link = b->link;
    } else if (prev != nullptr) {
        prev->link = addr(b);
    } else {
        heap->free_list = addr(b);
    }
}

// Address of the payload if a `need`-byte block aligned to `align` fits in free block `b`, else 0.
uintptr_t fit(const Block* b, size_t need, size_t align) {
    uintptr_t user = align_up(addr(b) + kHeader, align);
    while (user - kHeader != addr(b) && user - kHeader - addr(b) < kMinBlock)
        user += align; // a leading gap must be able to hold a free block
    const size_t gap = user - kHeader - addr(b);
    return gap <= b->size && b->size - gap >= need ? user : 0;
}

// Takes a `need`-byte block at payload `user` out of free block `b`, whose list slot is `slot`.
Block* carve(Block* b, uintptr_t* slot, uintptr_t user, size_t need) {
    const size_t total = b->size;
    const uintptr_t after = b->link;
    const size_t gap = user - kHeader - addr(b);
    if (gap != 0) { // the leading gap stays on the list as a smaller free block
        b->size = gap;
        slot = &b->link;
    }
    Block* used = at(user - kHeader);
    const size_t rest = total - gap - need;
    if (rest >= kMinBlock) {
        Block* tail = at(user - kHeader + need);
        tail->size = rest;
        tail->link = after;
        *slot = addr(tail);
        used->size = need;
    } else {
        *slot = after;
        used->size = need + rest;
    }
    mark_used(used);
    return used;
}

// Gives the bytes of `b` beyond `need` back to the free list, if they can form a block.
void trim(sf_heap* heap, Block* b, size_t need) {
    if (b->size - need < kMinBlock) return;
    Block* tail = at(addr(b) + need);
    tail->size = b->size - need;
    b->size = need;
    insert_free(heap, tail);
}

// Grows `b` in place to `need` bytes by taking the free block right after it.
bool grow_in_place(sf_heap* heap, Block* b, size_t need) {
    uintptr_t* slot = &heap->free_list;
    Block* next = at(heap->free_list);
    while (next != nullptr && addr(next) < addr(b) + b->size) {
        slot = &next->link;
        next = next_free(next);
    }
    if (next == nullptr || addr(next) != addr(b) + b->size || b->size + next->size < need) return false;
    *slot = next->link;
    b->size += next->size;
    trim(heap, b, need);
    return true;
}

} // namespace

extern "C" {

void sf_heap_init(sf_heap* heap, void* base, size_t size) noexcept {
    const uintptr_t start = reinterpret_cast<uintptr_t>(base);
    heap->begin = align_up(start, SF_HEAP_ALIGN);
    heap->end = (start + size) & ~uintptr_t{SF_HEAP_ALIGN - 1};
    heap->free_list = 0;
    if (start + size < start || heap->end <= heap->begin || heap->end - heap->begin < kMinBlock) {
        heap->end = heap->begin;
        return;
    }
    Block* all = at(heap->begin);
    all->size = heap->end - heap->begin;
    all->link = 0;
    heap->free_list = addr(all);
}

void* sf_heap_alloc(sf_heap* heap, size_t size, size_t align) noexcept {
    if (align < SF_HEAP_ALIGN) align = SF_HEAP_ALIGN;
    const size_t need = block_size_for(heap, size);
    if (need == 0 || (align & (align - 1)) != 0 || align > heap->end - heap->begin) return nullptr;
    uintptr_t* slot = &heap->free_list;
    for (Block* b = at(heap->free_list); b != nullptr; slot = &b->link, b = next_free(b)) {
        const uintptr_t user = fit(b, need, align);
        if (user != 0) return reinterpret_cast<void*>(addr(carve(b, slot, user, need)) + kHeader);
    }
    return nullptr;
}

void* sf_heap_calloc(sf_heap* heap, size_t n, size_t size) noexcept {
    size_t bytes = 0;
    if (__builtin_mul_overflow(n, size, &bytes)) return nullptr;
    void* p = sf_heap_alloc(heap, bytes, SF_HEAP_ALIGN);
    if (p != nullptr) sf_memset(p, 0, bytes);
    return p;
}

void* sf_heap_realloc(sf_heap* heap, void* ptr, size_t size) noexcept {
    if (ptr == nullptr) return sf_heap_alloc(heap, size, SF_HEAP_ALIGN);
    Block* b = used_block(heap, ptr);
    if (b == nullptr) return nullptr;
    if (size == 0) {
        sf_heap_free(heap, ptr);
        return nullptr;
    }
    const size_t need = block_size_for(heap, size);
    if (need == 0) return nullptr;
    if (need <= b->size) {
        trim(heap, b, need);
        return ptr;
    }
    if (grow_in_place(heap, b, need)) return ptr;
    void* moved = sf_heap_alloc(heap, size, SF_HEAP_ALIGN);
    if (moved == nullptr) return nullptr;
    sf_memcpy(moved, ptr, b->size - kHeader);
    sf_heap_free(heap, ptr);
    return moved;
}

int sf_heap_free(sf_heap* heap, void* ptr) noexcept {
    if (ptr == nullptr) return 1;
    Block* b = used_block(heap, ptr);
    if (b == nullptr) return 0;
    insert_free(heap, b);
    return 1;
}

size_t sf_heap_usable_size(const sf_heap* heap, const void* ptr) noexcept {
    const Block* b = ptr == nullptr ? nullptr : used_block(heap, ptr);
    return b == nullptr ? 0 : b->size - kHeader;
}

int sf_heap_check(const sf_heap* heap, sf_heap_stats* stats) noexcept {
    sf_heap_stats s{};
    const Block* free_cursor = at(heap->free_list);
    uintptr_t prev_free_end = 0;
    for (uintptr_t a = heap->begin; a < heap->end;) {
        const Block* b = at(a);
        if (b->size < kMinBlock || (b->size & (SF_HEAP_ALIGN - 1)) != 0 || b->size > heap->end - a) return 0;
        if (b == free_cursor) {
            if (a == prev_free_end) // two adjacent free blocks: a missed merge
                return 0;
            s.free_bytes += b->size;
            s.free_blocks++;
            s.largest_free = b->size > s.largest_free ? b->size : s.largest_free;
            prev_free_end = a + b->size;
            free_cursor = next_free(b);
        } else {
            if (!is_used(b)) return 0;
            s.used_bytes += b->size;
            s.used_blocks++;
        }
        a += b->size;
    }
    if (free_cursor != nullptr) // the list holds something that is not a block
        return 0;
    if (stats != nullptr) *stats = s;
    return 1;
}

} // extern "C"
