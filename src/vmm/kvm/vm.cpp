// superfluid monitor: KVM VM creation and memory slots.
#include "vmm/kvm/vm.h"

#include <sys/ioctl.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace sf::vmm {

Result<Vm> Vm::create(const Kvm& kvm) {
    int fd = ::ioctl(kvm.fd(), KVM_CREATE_VM, 0);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            return error(ErrorKind::ResourceExhausted, "KVM_CREATE_VM: out of file descriptors ({})",
                         std::strerror(errno));
        if (errno == ENOMEM) return error(ErrorKind::ResourceExhausted, "KVM_CREATE_VM: out of host memory");
        return error("KVM_CREATE_VM failed: {}", std::strerror(errno));
    }
    return Vm(UniqueFd(fd));
}

Result<void> Vm::set_memory(const GuestMemory& memory) {
    memory_size_ = memory.size();
    memory_host_ = reinterpret_cast<uint64_t>(memory.host_base());
    return set_slot(0);
}

Result<void> Vm::set_slot(uint32_t flags) {
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.flags = flags;
    region.guest_phys_addr = 0;
    region.memory_size = memory_size_;
    region.userspace_addr = memory_host_;
    if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return error("KVM_SET_USER_MEMORY_REGION failed: {}", std::strerror(errno));
    return ok();
}

Result<void> Vm::enable_dirty_log(const GuestMemory& memory) {
    if (memory.size() != memory_size_ || reinterpret_cast<uint64_t>(memory.host_base()) != memory_host_)
        return error("internal: dirty logging on memory that is not the VM's");
    SF_TRY(set_slot(KVM_MEM_LOG_DIRTY_PAGES));
    logging_ = true;
    return ok();
}

Result<void> Vm::disable_dirty_log() {
    if (!logging_) return ok();
    SF_TRY(set_slot(0));
    logging_ = false;
    return ok();
}

Result<std::vector<uint64_t>> Vm::dirty_pages() {
    if (!logging_) return error("internal: dirty pages asked while not logging");
    const uint64_t pages = memory_size_ / 4096;
    std::vector<uint64_t> bitmap((pages + 63) / 64);
    kvm_dirty_log log{};
    log.slot = 0;
    log.dirty_bitmap = bitmap.data();
    if (::ioctl(fd_.get(), KVM_GET_DIRTY_LOG, &log) < 0)
        return error("KVM_GET_DIRTY_LOG failed: {}", std::strerror(errno));
    std::vector<uint64_t> dirty;
    for (size_t i = 0; i < bitmap.size(); ++i) {
        for (uint64_t word = bitmap[i]; word != 0; word &= word - 1)
            dirty.push_back(i * 64 + static_cast<uint64_t>(std::countr_zero(word)));
    }
    return dirty;
}

} // namespace sf::vmm
