// superfluid monitor: memory templates.
#include "vmm/memory_template.h"

#include "common/mapping.h"
#include "superfluid/abi.h"
#include "vmm/x86_64/boot_x86_64.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::vmm {

Result<std::shared_ptr<const MemoryTemplate>> MemoryTemplate::create(const Image& image, uint64_t mem_size) {
    SF_TRY(GuestMemory::check_size(mem_size));
    SF_TRY(image.fits(mem_size, SF_STACK_SIZE + SF_PAGE_SIZE));
    std::shared_ptr<MemoryTemplate> tmpl(new MemoryTemplate());
    tmpl->size_ = image.end();
    tmpl->mem_size_ = mem_size;
    tmpl->entry_ = image.entry();
    tmpl->layout_ = x86_64::guest_layout(mem_size, image);
    int fd = ::memfd_create("sf-template", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return error("memfd_create failed: {}", std::strerror(errno));
    tmpl->fd_.reset(fd);
    if (::ftruncate(fd, static_cast<off_t>(tmpl->size_)) < 0)
        return error("cannot size a memory template: {}", std::strerror(errno));
    void* addr = ::mmap(nullptr, tmpl->size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) return error("cannot map a memory template: {}", std::strerror(errno));
    Mapping mapping(addr, tmpl->size_);
    SF_TRY(x86_64::build_address_space(mapping.bytes(), mem_size, image));
    image.load_into(mapping.bytes());
    mapping.reset();
    // Nobody may change it now: every guest maps these pages.
    ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return std::shared_ptr<const MemoryTemplate>(std::move(tmpl));
}

Result<GuestMemory> MemoryTemplate::instantiate(MemorySharing sharing) const {
    SF_TRY_ASSIGN(GuestMemory memory, GuestMemory::create(mem_size_, sharing));
    memory.set_layout(layout_);
    if (sharing == MemorySharing::Shared) {
        // The guest's own range only: the monitor range holds KVM's tables.
        const uint64_t from = SF_GUEST_BASE_GPA;
        if (size_ > from && ::pread(fd_.get(), memory.host_base() + from, size_ - from,
                                    static_cast<off_t>(from)) != static_cast<ssize_t>(size_ - from))
            return error("cannot copy a memory template: {}", std::strerror(errno));
        return memory;
    }
    void* at =
        ::mmap(memory.host_base(), size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_.get(), 0);
    if (at == MAP_FAILED) return error("cannot map a memory template: {}", std::strerror(errno));
    return memory;
}

} // namespace sf::vmm
