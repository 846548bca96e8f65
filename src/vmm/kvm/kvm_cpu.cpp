// superfluid monitor: a guest's Cpu on KVM.
#include "vmm/kvm/kvm_cpu.h"

#include "vmm/x86_64/boot_x86_64.h"

#include <fmt/format.h>

#include <cstring>

namespace sf::vmm {

Result<std::unique_ptr<Cpu>> KvmCpu::create(const Kvm& kvm) {
    SF_TRY_ASSIGN(Vm vm, Vm::create(kvm));
    SF_TRY_ASSIGN(Vcpu vcpu, Vcpu::create(kvm, vm));
    return std::unique_ptr<Cpu>(new KvmCpu(std::move(vm), std::move(vcpu)));
}

Result<void> KvmCpu::attach_memory(const GuestMemory& memory) {
    return vm_.set_memory(memory);
}

Result<void> KvmCpu::reset(uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) {
    return x86_64::setup_vcpu(vcpu_, entry, stack_top, boot_info_gpa);
}

// Matches this vCPU's TSC frequency to the saved one, or says why it cannot.
Result<void> KvmCpu::match_tsc_hz(uint64_t saved_hz) {
    SF_TRY_ASSIGN(uint64_t here_hz, vcpu_.tsc_hz());
    if (here_hz == saved_hz) return ok();
    if (saved_hz % 1000 == 0 && vcpu_.ioctl_value(KVM_SET_TSC_KHZ, saved_hz / 1000, "KVM_SET_TSC_KHZ")) {
        SF_TRY_ASSIGN(uint64_t scaled_hz, vcpu_.tsc_hz());
        if (scaled_hz == saved_hz) return ok();
    }
    return error(
        ErrorKind::Conflict,
        "snapshot TSC runs at {} Hz, this host's at {} Hz and KVM cannot scale it: the guest's rdtsc "
        "would change speed; restore it on a host of the same TSC frequency",
        saved_hz, here_hz);
}

Result<uint64_t> KvmCpu::rip() const {
    SF_TRY_ASSIGN(kvm_regs regs, vcpu_.regs());
    return regs.rip;
}

Result<CpuExit> KvmCpu::run() {
    SF_TRY_ASSIGN(Vcpu::RunStatus status, vcpu_.run());
    if (status == Vcpu::RunStatus::Interrupted) return CpuExit{};
    const kvm_run& run = vcpu_.state();
    if (run.exit_reason != KVM_EXIT_IO) return describe_fault();
    CpuExit exit{CpuExit::Kind::Io, {}, {}};
    exit.io.port = run.io.port;
    exit.io.out = run.io.direction == KVM_EXIT_IO_OUT;
    exit.io.size = run.io.size;
    exit.io.count = run.io.count;
    if (exit.io.out && run.io.size == 4)
        std::memcpy(&exit.io.value, reinterpret_cast<const uint8_t*>(&run) + run.io.data_offset, 4);
    return exit;
}

// Turns any exit that is not port I/O into a Fault.
Result<CpuExit> KvmCpu::describe_fault() {
    const kvm_run& run = vcpu_.state();
    SF_TRY_ASSIGN(kvm_regs regs, vcpu_.regs());
    std::string what;
    switch (run.exit_reason) {
    case KVM_EXIT_SHUTDOWN: {
        SF_TRY_ASSIGN(kvm_sregs sregs, vcpu_.sregs());
        what = fmt::format("unhandled CPU exception (triple fault), cr2={:#x}", sregs.cr2);
        break;
    }
    case KVM_EXIT_MMIO:
        what = fmt::format("access to {:#x}, which is not guest memory", run.mmio.phys_addr);
        break;
    case KVM_EXIT_HLT: what = "hlt"; break;
    case KVM_EXIT_FAIL_ENTRY:
        what = fmt::format("VM entry failed (hardware reason {:#x})",
                           run.fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        what = fmt::format("KVM internal error (suberror {})", run.internal.suberror);
        break;
    default: what = fmt::format("unexpected exit (KVM exit reason {})", run.exit_reason); break;
    }
    return CpuExit{CpuExit::Kind::Fault, {}, fmt::format("{} at rip={:#x}", what, regs.rip)};
}

} // namespace sf::vmm
