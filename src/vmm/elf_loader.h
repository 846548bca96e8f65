// superfluid monitor: ELF64 image loader.
//
// An Image is a parsed, validated, immutable static x86-64 ET_EXEC guest
// image. Parse it once and load it into any number of guests; loading only
// copies file bytes (the tail of each segment up to p_memsz is left as it is:
// guest memory starts zeroed). Every check happens in parse() and fits(),
// so load_into() cannot fail.
//
// Threading: an Image is read-only after parse and may be shared across threads.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sf::vmm {

// Permissions of a loaded segment (from the ELF p_flags).
enum SegmentPerm : uint32_t { kPermRead = 4, kPermWrite = 2, kPermExec = 1 };

struct Segment {
    uint64_t gpa;         // guest-physical (= virtual) start, p_vaddr
    uint64_t mem_size;    // p_memsz
    uint64_t file_offset; // p_offset
    uint64_t file_size;   // p_filesz (<= mem_size)
    uint32_t perms;       // SegmentPerm bits
};

class Image {
  public:
    // Largest image file accepted.
    static constexpr uint64_t kMaxFileSize = 64ull << 20;
    // Most PT_LOAD segments accepted.
    static constexpr size_t kMaxSegments = 16;

    // Validates an ELF image held in memory. `label` names it in errors
    // (usually the path). Errors are one line, e.g.
    // "hello: not an ELF file (bad magic)".
    static Result<Image> parse(std::span<const uint8_t> bytes, const std::string& label);
    // Reads and parses a file; errors name the path.
    static Result<Image> load_file(const std::string& path);

    uint64_t entry() const { return entry_; }
    const std::vector<Segment>& segments() const { return segments_; }
    // One past the highest byte any segment occupies, rounded up to a page.
    uint64_t end() const { return end_; }
    const std::string& label() const { return label_; }

    // Checks that every segment lies in [SF_GUEST_BASE_GPA, mem_size - stack_reserve).
    Result<void> fits(uint64_t mem_size, uint64_t stack_reserve) const;
    // Copies every segment's file bytes to guest memory (guest-physical address 0
    // is memory[0]). Precondition: fits(memory.size(), ...) succeeded.
    void load_into(std::span<uint8_t> memory) const;

  private:
    Image() = default;
    std::shared_ptr<const std::vector<uint8_t>> bytes_;
    std::vector<Segment> segments_;
    uint64_t entry_ = 0;
    uint64_t end_ = 0;
    std::string label_;
};

} // namespace sf::vmm
