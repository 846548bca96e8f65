// superfluid monitor: guest RAM and the checked accessor.
#include "vmm/guest_memory.h"

#include "common/units.h"
#include "superfluid/abi.h"

#include <sys/mman.h>

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

Result<GuestMemory> GuestMemory::create(uint64_t size) {
    SF_TRY(check_size(size));
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (addr == MAP_FAILED)
        return error("cannot map {} of guest memory: {}", format_size(size), std::strerror(errno));
    // Huge pages would make every first touch cost 2 MiB of host memory.
    ::madvise(addr, size, MADV_NOHUGEPAGE);
    return GuestMemory(Mapping(addr, size));
}

std::optional<std::span<uint8_t>> GuestMemory::guest_span(uint64_t gpa, uint64_t len, Access access) const {
    bool allowed = range_inside(gpa, len, SF_GUEST_BASE_GPA, size()) ||
                   (access == Access::Read && range_inside(gpa, len, SF_BOOT_INFO_GPA, SF_BOOT_INFO_GPA + SF_PAGE_SIZE));
    if (!allowed) return std::nullopt;
    if (access == Access::Write) dirty_->mark(gpa, len);
    return std::span<uint8_t>(host_base() + gpa, len);
}

} // namespace sf::vmm
