// superfluid fuzzing: libFuzzer target for the ELF64 image loader.
//
// Feeds arbitrary bytes to Image::parse (built with ASan and UBSan, so any
// out-of-bounds read or undefined arithmetic aborts), and for every image it
// accepts checks the promises of elf_loader.h: segments sorted, disjoint,
// inside [SF_GUEST_BASE_GPA, SF_MEM_MAX), file bytes inside the input, the
// entry in an executable segment, end() page-aligned; then fits() and, for
// images small enough, load_into() must stay in bounds.
#include "superfluid/abi.h"
#include "vmm/elf_loader.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using sf::vmm::Image;
using sf::vmm::Segment;

// load_into() is exercised only for images ending below this address, on one
// buffer reused by every run (allocating guest memory per input is slow).
constexpr uint64_t kLoadLimit = 16ull << 20;

void require(bool condition, const char* what) {
    if (condition) return;
    std::fprintf(stderr, "elf_loader_fuzz: invariant broken: %s\n", what);
    std::abort();
}

void check_segment(const Segment& s, size_t input_size) {
    require(s.mem_size > 0, "empty segment kept");
    require(s.file_size <= s.mem_size, "file_size > mem_size");
    require(s.gpa >= SF_GUEST_BASE_GPA, "segment below the guest base");
    require(s.gpa <= SF_MEM_MAX && s.mem_size <= SF_MEM_MAX - s.gpa, "segment beyond SF_MEM_MAX");
    require(s.file_offset <= input_size && s.file_size <= input_size - s.file_offset,
            "file bytes beyond the input");
}

void check_image(const Image& image, size_t input_size) {
    const std::vector<Segment>& segs = image.segments();
    require(!segs.empty() && segs.size() <= Image::kMaxSegments, "segment count");
    bool entry_ok = false;
    for (size_t i = 0; i < segs.size(); ++i) {
        const Segment& s = segs[i];
        check_segment(s, input_size);
        if (i > 0)
            require(segs[i - 1].gpa + segs[i - 1].mem_size <= s.gpa, "segments unsorted or overlapping");
        require(s.gpa + s.mem_size <= image.end(), "segment beyond end()");
        bool inside = image.entry() >= s.gpa && image.entry() - s.gpa < s.mem_size;
        entry_ok = entry_ok || (inside && (s.perms & sf::vmm::kPermExec));
    }
    require(entry_ok, "entry outside executable segments");
    require(image.end() % SF_PAGE_SIZE == 0 && image.end() <= SF_MEM_MAX, "end() alignment or range");
}

void check_fits_and_load(const Image& image) {
    require(image.fits(image.end(), 0).ok(), "fits(end(), 0) failed");
    require(!image.fits(image.end() - 1, 0).ok(), "fits(end() - 1, 0) succeeded");
    require(!image.fits(image.end(), image.end() + 1).ok(), "fits with stack > memory succeeded");
    if (image.end() > kLoadLimit) return;
    static std::vector<uint8_t> memory(kLoadLimit);
    image.load_into(std::span<uint8_t>(memory).first(image.end()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sf::Result<Image> image = Image::parse({data, size}, "fuzz");
    if (!image.ok()) {
        require(image.error().message.rfind("fuzz: ", 0) == 0, "error without the label prefix");
        return 0;
    }
    check_image(image.value(), size);
    check_fits_and_load(image.value());
    return 0;
}
