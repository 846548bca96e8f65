// superfluid monitor: KVM vCPU creation, register access and KVM_RUN.
#include "vmm/kvm/vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace sf::vmm {
namespace {

// The kvm_run of the vCPU in KVM_RUN on this thread, if any; read by the signal handler.
thread_local kvm_run* tls_current_run = nullptr;

Error ioctl_error(const char* what) {
    return error("{} failed: {}", what, std::strerror(errno));
}

} // namespace

Result<Vcpu> Vcpu::create(const Kvm& kvm, const Vm& vm) {
    int fd = ::ioctl(vm.fd(), KVM_CREATE_VCPU, 0);
    if (fd < 0) return ioctl_error("KVM_CREATE_VCPU");
    UniqueFd owned(fd);
    void* run = ::mmap(nullptr, kvm.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (run == MAP_FAILED) return error("mmap of kvm_run failed: {}", std::strerror(errno));
    return Vcpu(std::move(owned), Mapping(run, kvm.vcpu_mmap_size()));
}

Result<Vcpu::RunStatus> Vcpu::run() {
    kvm_run* run = run_.as<kvm_run>();
    tls_current_run = run;
    Result<RunStatus> status = RunStatus::Exit;
    for (;;) {
        if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) break;
        if (errno != EINTR && errno != EAGAIN) {
            status = ioctl_error("KVM_RUN");
            break;
        }
        if (run->immediate_exit) {
            run->immediate_exit = 0;
            status = RunStatus::Interrupted;
            break;
        }
        // A signal not meant for us: retry.
    }
    tls_current_run = nullptr;
    return status;
}

void Vcpu::interrupt_current_thread() {
    if (tls_current_run != nullptr) tls_current_run->immediate_exit = 1;
}

Result<kvm_regs> Vcpu::regs() const {
    kvm_regs regs{};
    if (::ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0) return ioctl_error("KVM_GET_REGS");
    return regs;
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
    if (::ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) return ioctl_error("KVM_SET_REGS");
    return ok();
}

Result<kvm_sregs> Vcpu::sregs() const {
    kvm_sregs sregs{};
    if (::ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0) return ioctl_error("KVM_GET_SREGS");
    return sregs;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
    if (::ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0) return ioctl_error("KVM_SET_SREGS");
    return ok();
}

Result<uint64_t> Vcpu::tsc_hz() const {
    int khz = ::ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) return ioctl_error("KVM_GET_TSC_KHZ");
    return static_cast<uint64_t>(khz) * 1000;
}

Result<void> Vcpu::complete_pending_exit() {
    kvm_run* run = run_.as<kvm_run>();
    run->immediate_exit = 1;
    const int rc = ::ioctl(fd_.get(), KVM_RUN, 0);
    const int err = errno;
    run->immediate_exit = 0;
    if (rc == 0 || err == EINTR || err == EAGAIN) return ok();
    errno = err;
    return ioctl_error("KVM_RUN (completing the last exit)");
}

Result<void> Vcpu::ioctl(unsigned long request, void* arg, const char* what) const {
    if (::ioctl(fd_.get(), request, arg) < 0) return ioctl_error(what);
    return ok();
}

Result<int> Vcpu::ioctl_value(unsigned long request, unsigned long arg, const char* what) const {
    const int rc = ::ioctl(fd_.get(), request, arg);
    if (rc < 0) return ioctl_error(what);
    return rc;
}

} // namespace sf::vmm
