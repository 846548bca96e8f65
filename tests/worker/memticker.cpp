// superfluid test guest: memticker, a ticker whose memory a migration must
// carry exactly.
//
// Usage: memticker TOUCH_KIB DIRTY_KIB [INTERVAL_MS [COUNT]]
// Fills TOUCH_KIB of heap, one generation counter per 4 KiB page, every
// 64-bit word of page p holding (p << 32 | generation of p). Every
// INTERVAL_MS (default 10) it rewrites the next DIRTY_KIB of pages with a new
// generation (moving on round the buffer), checks every word of every page
// and prints "tick I/COUNT ok", or "tick I/COUNT BAD page P" for the first
// page that is wrong. The deadlines are absolute. Exits 0 after COUNT ticks
// (default 100000), 1 on a bad page, 2 on bad arguments.
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/strtol.h"

namespace {

constexpr uint64_t kNsPerMs = 1000000;
constexpr size_t kPage = 4096;
constexpr size_t kWords = kPage / sizeof(uint64_t);

uint64_t word_of(size_t page, uint32_t generation) {
    return static_cast<uint64_t>(page) << 32 | generation;
}

void fill(uint64_t* pages, size_t page, uint32_t generation) {
    for (size_t w = 0; w < kWords; ++w)
        pages[page * kWords + w] = word_of(page, generation);
}

// The first page whose words are not its generation's, or `count` if none.
size_t first_bad(const uint64_t* pages, const uint32_t* generations, size_t count) {
    for (size_t p = 0; p < count; ++p)
        for (size_t w = 0; w < kWords; ++w)
            if (pages[p * kWords + w] != word_of(p, generations[p])) return p;
    return count;
}

} // namespace

int main(int argc, char** argv) {
    unsigned long touch_kib = 0, dirty_kib = 0, interval_ms = 10, count = 100000;
    if (argc < 3 || argc > 5 || !sf_parse_ulong(argv[1], 1 << 20, &touch_kib) ||
        !sf_parse_ulong(argv[2], 1 << 20, &dirty_kib) ||
        (argc > 3 && !sf_parse_ulong(argv[3], 3600000, &interval_ms)) ||
        (argc > 4 && !sf_parse_ulong(argv[4], 1000000, &count)) || touch_kib < 4) {
        printf("usage: memticker TOUCH_KIB DIRTY_KIB [INTERVAL_MS [COUNT]]\n");
        return 2;
    }
    const size_t page_count = touch_kib / 4, dirty_pages = dirty_kib / 4;
    auto* pages = static_cast<uint64_t*>(aligned_alloc(kPage, page_count * kPage));
    auto* generations = static_cast<uint32_t*>(calloc(page_count, sizeof(uint32_t)));
    if (pages == nullptr || generations == nullptr) {
        printf("memticker: cannot allocate %lu KiB\n", touch_kib);
        return 2;
    }
    for (size_t p = 0; p < page_count; ++p)
        fill(pages, p, 0);
    printf("memticker: %lu KiB touched, %lu KiB dirtied per tick\n", touch_kib, dirty_kib);
    size_t cursor = 0;
    const uint64_t start = sf_monotonic_ns();
    for (unsigned long i = 1; i <= count; ++i) {
        sf_sleep_until(start + i * interval_ms * kNsPerMs);
        for (size_t d = 0; d < dirty_pages; ++d, cursor = (cursor + 1) % page_count)
            fill(pages, cursor, ++generations[cursor]);
        const size_t bad = first_bad(pages, generations, page_count);
        if (bad != page_count) {
            printf("tick %lu/%lu BAD page %lu\n", i, count, static_cast<unsigned long>(bad));
            return 1;
        }
        printf("tick %lu/%lu ok\n", i, count);
    }
    return 0;
}
