// superfluid monitor: KVM VM creation and memory slots.
#include "vmm/vm.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace sf::vmm {

Result<Vm> Vm::create(const Kvm& kvm) {
    int fd = ::ioctl(kvm.fd(), KVM_CREATE_VM, 0);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            return error(ErrorKind::ResourceExhausted, "KVM_CREATE_VM: out of file descriptors ({})",
                         std::strerror(errno));
        if (errno == ENOMEM)
            return error(ErrorKind::ResourceExhausted, "KVM_CREATE_VM: out of host memory");
        return error("KVM_CREATE_VM failed: {}", std::strerror(errno));
    }
    return Vm(UniqueFd(fd));
}

Result<void> Vm::set_memory(const GuestMemory& memory) {
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = 0;
    region.memory_size = memory.size();
    region.userspace_addr = reinterpret_cast<uint64_t>(memory.host_base());
    if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return error("KVM_SET_USER_MEMORY_REGION failed: {}", std::strerror(errno));
    return ok();
}

} // namespace sf::vmm
