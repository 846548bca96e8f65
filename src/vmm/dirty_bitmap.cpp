// superfluid monitor: the monitor's own dirty page bits.
#include "vmm/dirty_bitmap.h"

#include <bit>

namespace sf::vmm {

DirtyBitmap::DirtyBitmap(uint64_t pages)
    : pages_(pages), words_((pages + 63) / 64), bits_(std::make_unique<std::atomic<uint64_t>[]>(words_)) {}

void DirtyBitmap::start() {
    for (size_t i = 0; i < words_; ++i)
        bits_[i].store(0, std::memory_order_relaxed);
    enabled_.store(true, std::memory_order_release);
}

void DirtyBitmap::stop() {
    enabled_.store(false, std::memory_order_release);
}

void DirtyBitmap::mark(uint64_t gpa, uint64_t len) {
    if (!enabled() || len == 0) return;
    const uint64_t first = gpa / 4096;
    const uint64_t last = (gpa + len - 1) / 4096;
    for (uint64_t page = first; page <= last && page < pages_; ++page)
        bits_[page / 64].fetch_or(1ull << (page % 64), std::memory_order_relaxed);
}

std::vector<uint64_t> DirtyBitmap::take() {
    std::vector<uint64_t> pages;
    for (size_t i = 0; i < words_; ++i) {
        uint64_t word = bits_[i].exchange(0, std::memory_order_acq_rel);
        while (word != 0) {
            const int bit = std::countr_zero(word);
            pages.push_back(i * 64 + static_cast<uint64_t>(bit));
            word &= word - 1;
        }
    }
    return pages;
}

} // namespace sf::vmm
