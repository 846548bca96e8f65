// Host-side tests of the guest heap (sf/heap.h) over a host buffer: layout,
// alignment, coalescing, realloc, exhaustion, bad frees, and a randomised run
// checked against a model. The same source is compiled into the guest library.
#include "sf/heap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <vector>

namespace {

constexpr size_t kHeader = SF_HEAP_ALIGN;

// A heap over a host buffer, with the buffer filled with a marker first.
struct TestHeap {
    explicit TestHeap(size_t size, size_t misalign = 0) : storage(size + 64, 0xAA) {
        base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16 + misalign;
        sf_heap_init(&heap, base, size);
    }
    sf_heap_stats stats() {
        sf_heap_stats s{};
        EXPECT_TRUE(sf_heap_check(&heap, &s));
        return s;
    }
    size_t capacity() const { return heap.end - heap.begin; }
    void* alloc(size_t n, size_t align = 16) { return sf_heap_alloc(&heap, n, align); }
    int free(void* p) { return sf_heap_free(&heap, p); }

    std::vector<unsigned char> storage;
    unsigned char* base;
    sf_heap heap{};
};

TEST(Heap, InitCoversTheRangeAndWritesOneHeader) {
    TestHeap h(4096);
    const auto s = h.stats();
    EXPECT_EQ(s.free_bytes, 4096u);
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_EQ(s.used_blocks, 0u);
    EXPECT_EQ(s.largest_free, 4096u);
    for (size_t i = kHeader; i < 4096; ++i)
        ASSERT_EQ(h.base[i], 0xAA) << "init touched byte " << i;
}

TEST(Heap, UnalignedAndTinyRanges) {
    TestHeap odd(1000, 3);
    EXPECT_EQ(odd.heap.begin % 16, 0u);
    EXPECT_EQ(odd.heap.end % 16, 0u);
    EXPECT_GE(odd.heap.begin, reinterpret_cast<uintptr_t>(odd.base));
    EXPECT_LE(odd.heap.end, reinterpret_cast<uintptr_t>(odd.base) + 1000);
    EXPECT_NE(odd.alloc(100), nullptr);
    odd.stats();

    TestHeap tiny(20);
    EXPECT_EQ(tiny.alloc(0), nullptr);
    EXPECT_EQ(tiny.alloc(1), nullptr);
    EXPECT_EQ(tiny.stats().free_blocks, 0u);
    EXPECT_EQ(tiny.free(nullptr), 1);
}

TEST(Heap, AllocationTouchesOnlyItsHeadersAndThePayload) {
    TestHeap h(1 << 20);
    void* p = h.alloc(100);
    ASSERT_NE(p, nullptr);
    const auto first = static_cast<size_t>(static_cast<unsigned char*>(p) - h.base);
    EXPECT_EQ(first, kHeader);
    const size_t block = sf_heap_usable_size(&h.heap, p) + kHeader;
    for (size_t i = kHeader; i < block; ++i)
        ASSERT_EQ(h.base[i], 0xAA) << "payload written at " << i; // malloc does not clear
    for (size_t i = block + kHeader; i < (1 << 20); ++i)
        ASSERT_EQ(h.base[i], 0xAA) << "alloc touched byte " << i;
}

TEST(Heap, BlocksAreAlignedDistinctAndKeepTheirContents) {
    TestHeap h(64 * 1024);
    std::vector<std::pair<unsigned char*, size_t>> blocks;
    for (size_t n : {1, 15, 16, 17, 31, 100, 0, 1000, 4096, 3}) {
        auto* p = static_cast<unsigned char*>(h.alloc(n));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
        EXPECT_GE(sf_heap_usable_size(&h.heap, p), n);
        std::memset(p, static_cast<int>(blocks.size()), n);
        blocks.emplace_back(p, n);
    }
    for (size_t i = 0; i < blocks.size(); ++i) {
        for (size_t j = 0; j < blocks[i].second; ++j)
            ASSERT_EQ(blocks[i].first[j], i);
        for (size_t k = i + 1; k < blocks.size(); ++k)
            EXPECT_NE(blocks[i].first, blocks[k].first); // size 0 is unique too
    }
    EXPECT_EQ(h.stats().used_blocks, blocks.size());
}

TEST(Heap, FreeCoalescesWithBothNeighbours) {
    TestHeap h(8192);
    void* a = h.alloc(100);
    void* b = h.alloc(100);
    void* c = h.alloc(100);
    void* d = h.alloc(100); // keeps c away from the tail
    ASSERT_TRUE(a && b && c && d);
    EXPECT_EQ(h.free(b), 1);
    EXPECT_EQ(h.stats().free_blocks, 2u); // b, tail
    EXPECT_EQ(h.free(a), 1);              // merges forward with b
    EXPECT_EQ(h.stats().free_blocks, 2u);
    EXPECT_EQ(h.free(c), 1); // merges backward with a+b
    EXPECT_EQ(h.stats().free_blocks, 2u);
    EXPECT_EQ(h.free(d), 1); // merges with both: everything is one block again
    const auto s = h.stats();
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_EQ(s.free_bytes, h.capacity());
    EXPECT_EQ(s.used_blocks, 0u);
}

TEST(Heap, FirstFitReusesTheLowestHole) {
    TestHeap h(8192);
    void* a = h.alloc(64);
    void* b = h.alloc(64);
    void* c = h.alloc(64);
    ASSERT_TRUE(a && b && c);
    h.free(a);
    h.free(c);
    EXPECT_EQ(h.alloc(32), a);
}

TEST(Heap, RejectsBadFrees) {
    TestHeap h(8192);
    auto* p = static_cast<unsigned char*>(h.alloc(64));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(h.free(p + 16), 0);             // inside the payload
    EXPECT_EQ(h.free(p + 1), 0);              // misaligned
    EXPECT_EQ(h.free(h.base + 8192 + 16), 0); // outside
    int stack_var = 0;
    EXPECT_EQ(h.free(&stack_var), 0);
    EXPECT_EQ(h.free(p), 1);
    EXPECT_EQ(h.free(p), 0); // double free
    const auto s = h.stats();
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_EQ(s.free_bytes, h.capacity());
    EXPECT_EQ(sf_heap_usable_size(&h.heap, p), 0u);
}

TEST(Heap, ExhaustionReturnsNullAndRecovers) {
    TestHeap h(64 * 1024);
    std::vector<void*> all;
    for (void* p; (p = h.alloc(1000)) != nullptr;)
        all.push_back(p);
    EXPECT_GT(all.size(), 50u);
    EXPECT_EQ(h.alloc(1000), nullptr);
    for (void* p : all)
        EXPECT_EQ(h.free(p), 1);
    EXPECT_EQ(h.stats().free_blocks, 1u);
    void* whole = h.alloc(h.capacity() - kHeader);
    ASSERT_NE(whole, nullptr);
    EXPECT_EQ(h.alloc(0), nullptr);
    h.free(whole);
    EXPECT_EQ(h.alloc(h.capacity() - kHeader + 1), nullptr);
    EXPECT_EQ(h.alloc(SIZE_MAX), nullptr);
    EXPECT_EQ(h.alloc(SIZE_MAX - 8), nullptr);
    EXPECT_EQ(h.stats().free_bytes, h.capacity());
}

TEST(Heap, Calloc) {
    TestHeap h(8192);
    auto* p = static_cast<unsigned char*>(h.alloc(256));
    std::memset(p, 0xff, 256);
    h.free(p);
    auto* q = static_cast<unsigned char*>(sf_heap_calloc(&h.heap, 16, 16));
    ASSERT_EQ(q, p); // reuses the dirty block
    for (size_t i = 0; i < 256; ++i)
        ASSERT_EQ(q[i], 0);
    EXPECT_EQ(sf_heap_calloc(&h.heap, SIZE_MAX / 2, 3), nullptr); // overflow
    EXPECT_NE(sf_heap_calloc(&h.heap, 0, 5), nullptr);
}

TEST(Heap, AlignedAllocations) {
    TestHeap h(256 * 1024);
    std::vector<void*> ps;
    for (size_t align : {16, 32, 64, 128, 4096, 8192, 32, 4096}) {
        void* p = h.alloc(24, align);
        ASSERT_NE(p, nullptr) << align;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << align;
        std::memset(p, 0x5a, 24);
        ps.push_back(p);
        h.stats();
    }
    EXPECT_EQ(h.alloc(16, 48), nullptr);      // not a power of two
    EXPECT_EQ(h.alloc(16, 1 << 30), nullptr); // larger than the heap
    void* small = h.alloc(16, 1);             // below 16 means 16
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 16, 0u);
    ps.push_back(small);
    for (void* p : ps)
        EXPECT_EQ(h.free(p), 1);
    const auto s = h.stats();
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_EQ(s.free_bytes, h.capacity());
}

TEST(Heap, ReallocShrinksAndGrowsInPlace) {
    TestHeap h(64 * 1024);
    auto* p = static_cast<unsigned char*>(h.alloc(1000));
    for (int i = 0; i < 1000; ++i)
        p[i] = static_cast<unsigned char>(i);
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, 100), p); // shrink: the tail goes back
    EXPECT_LT(sf_heap_usable_size(&h.heap, p), 200u);
    EXPECT_EQ(h.stats().free_blocks, 1u);            // and merged with the free rest
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, 5000), p); // grow into the free block after it
    EXPECT_GE(sf_heap_usable_size(&h.heap, p), 5000u);
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(p[i], static_cast<unsigned char>(i));
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, 5000), p); // same size: no change
    h.stats();
}

TEST(Heap, ReallocMovesWhenBlockedAndKeepsContents) {
    TestHeap h(64 * 1024);
    auto* p = static_cast<unsigned char*>(h.alloc(100));
    void* fence = h.alloc(16);
    ASSERT_TRUE(p && fence);
    for (int i = 0; i < 100; ++i)
        p[i] = static_cast<unsigned char>(i + 1);
    auto* q = static_cast<unsigned char*>(sf_heap_realloc(&h.heap, p, 3000));
    ASSERT_NE(q, nullptr);
    EXPECT_NE(q, p);
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(q[i], static_cast<unsigned char>(i + 1));
    EXPECT_EQ(sf_heap_usable_size(&h.heap, p), 0u); // the old block was freed
    EXPECT_EQ(h.stats().used_blocks, 2u);
}

TEST(Heap, ReallocEdgeCases) {
    TestHeap h(8192);
    void* p = sf_heap_realloc(&h.heap, nullptr, 50); // null allocates
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, 0), nullptr); // 0 frees
    EXPECT_EQ(h.stats().used_blocks, 0u);
    p = h.alloc(50);
    std::memset(p, 7, 50);
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, 1 << 20), nullptr); // failure keeps p
    EXPECT_EQ(sf_heap_realloc(&h.heap, p, SIZE_MAX), nullptr);
    EXPECT_GE(sf_heap_usable_size(&h.heap, p), 50u);
    EXPECT_EQ(static_cast<unsigned char*>(p)[49], 7);
    int stray = 0;
    EXPECT_EQ(sf_heap_realloc(&h.heap, &stray, 10), nullptr);
    EXPECT_EQ(h.free(p), 1);
}

TEST(Heap, RandomisedAgainstAModel) {
    TestHeap h(512 * 1024);
    std::mt19937 rng(12345);
    struct Live {
        size_t size;
        unsigned char fill;
    };
    std::map<unsigned char*, Live> live;
    auto verify = [&](unsigned char* p, const Live& l) {
        for (size_t i = 0; i < l.size; ++i)
            if (p[i] != l.fill) return false;
        return true;
    };
    auto pick = [&]() {
        auto it = live.begin();
        std::advance(it, static_cast<long>(rng() % live.size()));
        return it;
    };
    for (int step = 0; step < 20000; ++step) {
        const auto op = rng() % 10;
        const size_t size = rng() % 4 == 0 ? rng() % 20000 : rng() % 300;
        const auto fill = static_cast<unsigned char>(rng());
        if (op < 5 || live.empty()) {
            const size_t align = op == 0 ? size_t{1} << (rng() % 13) : 16;
            auto* p = static_cast<unsigned char*>(h.alloc(size, align));
            if (p == nullptr) continue;
            ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u);
            // no overlap with any live block
            auto next = live.lower_bound(p);
            if (next != live.end()) {
                ASSERT_LE(p + size, next->first);
            }
            if (next != live.begin()) {
                auto prev = std::prev(next);
                ASSERT_LE(prev->first + prev->second.size, p);
            }
            std::memset(p, fill, size);
            live[p] = {size, fill};
        } else if (op < 8) {
            auto it = pick();
            ASSERT_TRUE(verify(it->first, it->second)) << "step " << step;
            ASSERT_EQ(h.free(it->first), 1);
            live.erase(it);
        } else {
            auto it = pick();
            unsigned char* old = it->first;
            const Live l = it->second;
            auto* q = static_cast<unsigned char*>(sf_heap_realloc(&h.heap, old, size + 1));
            if (q == nullptr) {
                ASSERT_TRUE(verify(old, l));
                continue;
            }
            live.erase(it);
            ASSERT_TRUE(verify(q, {l.size < size + 1 ? l.size : size + 1, l.fill})) << "step " << step;
            std::memset(q, fill, size + 1);
            live[q] = {size + 1, fill};
        }
        if (step % 16 == 0) {
            const auto s = h.stats();
            ASSERT_EQ(s.used_blocks, live.size()) << "step " << step;
            ASSERT_EQ(s.used_bytes + s.free_bytes, h.capacity());
        }
    }
    for (auto& [p, l] : live) {
        ASSERT_TRUE(verify(p, l));
        ASSERT_EQ(h.free(p), 1);
    }
    const auto s = h.stats();
    EXPECT_EQ(s.free_blocks, 1u);
    EXPECT_EQ(s.free_bytes, h.capacity());
}

} // namespace
