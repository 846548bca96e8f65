// superfluid monitor: guest RAM and the checked accessor.
#include "vmm/guest_memory.h"

#include "common/units.h"
#include "superfluid/abi.h"

#include "common/unique_fd.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::vmm {
namespace {

bool range_inside(uint64_t gpa, uint64_t len, uint64_t lo, uint64_t hi) {
    return gpa >= lo && gpa <= hi && len <= hi - gpa;
}

} // namespace

Result<void> GuestMemory::check_size(uint64_t size) {
    constexpr ErrorKind kBad = ErrorKind::InvalidArgument;
    if (size % SF_PAGE_SIZE != 0) return error(kBad, "memory size {} bytes is not a multiple of 4 KiB", size);
    if (size < SF_MEM_MIN)
        return error(kBad, "memory size {} is too small: the minimum is {}", format_size(size),
                     format_size(SF_MEM_MIN));
    if (size > SF_MEM_MAX)
        return error(kBad, "memory size {} is too big: the maximum is {}", format_size(size),
                     format_size(SF_MEM_MAX));
    return ok();
}

Result<GuestMemory> GuestMemory::create(uint64_t size, MemorySharing sharing) {
    SF_TRY(check_size(size));
    UniqueFd fd;
    if (sharing == MemorySharing::Shared) {
        fd.reset(::memfd_create("sf-guest", MFD_CLOEXEC));
        if (!fd.valid()) return error("memfd_create for guest memory failed: {}", std::strerror(errno));
        if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
            return error("cannot size {} of guest memory: {}", format_size(size), std::strerror(errno));
    }
    const int flags = fd.valid() ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd.get(), 0);
    if (addr == MAP_FAILED)
        return error("cannot map {} of guest memory: {}", format_size(size), std::strerror(errno));
    // Huge pages would make every first touch cost 2 MiB of host memory.
    ::madvise(addr, size, MADV_NOHUGEPAGE);
    return GuestMemory(Mapping(addr, size), std::move(fd));
}

std::optional<std::span<uint8_t>> GuestMemory::guest_span(uint64_t gpa, uint64_t len, Access access) const {
    bool allowed =
        range_inside(gpa, len, SF_GUEST_BASE_GPA, size()) ||
        (access == Access::Read && range_inside(gpa, len, SF_BOOT_INFO_GPA, SF_BOOT_INFO_GPA + SF_PAGE_SIZE));
    if (!allowed) return std::nullopt;
    if (access == Access::Write) dirty_->mark(gpa, len);
    return std::span<uint8_t>(host_base() + gpa, len);
}

// The pages of [first, first + count) with a page table entry in this process
// (present or swapped out), from /proc/self/pagemap; nullopt if unreadable.
static std::optional<std::vector<uint64_t>> mapped_pages(const uint8_t* base, uint64_t first,
                                                         uint64_t count) {
    UniqueFd fd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::nullopt;
    constexpr uint64_t kPresent = 1ull << 63, kSwapped = 1ull << 62;
    std::vector<uint64_t> entries(count);
    const uint64_t offset = (reinterpret_cast<uint64_t>(base) / SF_PAGE_SIZE + first) * sizeof(uint64_t);
    const size_t want = count * sizeof(uint64_t);
    if (::pread(fd.get(), entries.data(), want, static_cast<off_t>(offset)) != static_cast<ssize_t>(want))
        return std::nullopt;
    std::vector<uint64_t> pages;
    for (uint64_t i = 0; i < count; ++i)
        if (entries[i] & (kPresent | kSwapped)) pages.push_back(first + i);
    return pages;
}

Result<std::vector<uint64_t>> GuestMemory::touched_pages() const {
    const uint64_t first = SF_GUEST_BASE_GPA / SF_PAGE_SIZE;
    const uint64_t count = page_count() - first;
    if (sharing() == MemorySharing::Private) {
        if (auto pages = mapped_pages(host_base(), first, count)) return std::move(*pages);
    }
    std::vector<unsigned char> resident(count);
    if (::mincore(host_base() + SF_GUEST_BASE_GPA, count * SF_PAGE_SIZE, resident.data()) < 0)
        return error("mincore on guest memory failed: {}", std::strerror(errno));
    std::vector<uint64_t> pages;
    for (uint64_t i = 0; i < count; ++i)
        if (resident[i] & 1) pages.push_back(first + i);
    return pages;
}

} // namespace sf::vmm
