// superfluid monitor: MemoryTemplate, an image prepared once for a memory size.
//
// Holds, in a sealed memfd, the first bytes of guest memory exactly as a
// guest of that image and size starts: descriptor tables and page tables in
// the monitor range and the image's segments. Each guest maps it privately
// (copy-on-write) over the start of its memory, so the pages no guest writes
// (code, read-only data, page tables) exist once on the host however many
// guests run the image, and a boot builds no tables. The boot info page is
// left zero for each guest to write its own. Shared memory (the process
// backend, whose sandbox maps the guest's pages too) cannot be a private
// copy-on-write mapping: the image's bytes are copied into it instead.
//
// Threading: immutable after create(); share it freely.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "vmm/elf_loader.h"
#include "vmm/guest_memory.h"

#include <memory>
#include <vector>

namespace sf::vmm {

class MemoryTemplate {
  public:
    static Result<std::shared_ptr<const MemoryTemplate>> create(const Image& image, uint64_t mem_size);

    // Fresh guest memory of mem_size() bytes starting with this template, with its layout.
    Result<GuestMemory> instantiate(MemorySharing sharing = MemorySharing::Private) const;

    uint64_t mem_size() const { return mem_size_; }
    uint64_t entry() const { return entry_; }

  private:
    MemoryTemplate() = default;
    UniqueFd fd_;
    uint64_t size_ = 0; // bytes of the template (the image's end)
    uint64_t mem_size_ = 0;
    uint64_t entry_ = 0;
    std::vector<MemoryRegion> layout_;
};

} // namespace sf::vmm
