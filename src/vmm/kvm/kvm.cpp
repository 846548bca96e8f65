// superfluid monitor: opening /dev/kvm.
#include "vmm/kvm/kvm.h"

#include "vmm/kvm/kvm_cpu.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace sf::vmm {
namespace {

Error open_error(const std::string& device, int err) {
    switch (err) {
    case ENOENT:
        return error("{}: no such device: KVM is not available here (enable virtualization, load kvm_intel "
                     "or kvm_amd)",
                     device);
    case EACCES:
    case EPERM:
        return error("{}: permission denied: run as root or add your user to the group owning {}", device,
                     device);
    default: return error("{}: cannot open: {}", device, std::strerror(err));
    }
}

} // namespace

Result<std::shared_ptr<const Kvm>> Kvm::open(const std::string& device) {
    int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return open_error(device, errno);
    std::shared_ptr<Kvm> kvm(new Kvm());
    kvm->fd_.reset(fd);
    kvm->device_ = device;
    SF_TRY(kvm->check_capabilities(device));
    return std::shared_ptr<const Kvm>(std::move(kvm));
}

Result<std::unique_ptr<Cpu>> Kvm::create_cpu() const {
    return KvmCpu::create(*this);
}

std::string Kvm::describe() const {
    return fmt::format("kvm ({}): each guest is a VM", device_);
}

Result<void> Kvm::check_capabilities(const std::string& device) {
    int version = ::ioctl(fd_.get(), KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return error("{}: unsupported KVM API version {} (need {})", device, version, KVM_API_VERSION);
    struct Needed {
        int cap;
        const char* name;
    };
    static constexpr Needed kNeeded[] = {
        {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
        {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
        {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
    };
    for (const Needed& n : kNeeded)
        if (::ioctl(fd_.get(), KVM_CHECK_EXTENSION, n.cap) <= 0)
            return error("{}: KVM lacks {}, which the monitor needs", device, n.name);
    int size = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) return error("{}: KVM_GET_VCPU_MMAP_SIZE failed: {}", device, std::strerror(errno));
    vcpu_mmap_size_ = static_cast<size_t>(size);
    return ok();
}

} // namespace sf::vmm
