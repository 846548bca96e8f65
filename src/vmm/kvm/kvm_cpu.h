// superfluid monitor: KvmCpu, a guest's Cpu on KVM (one VM with one vCPU).
//
// The KVM side of the backend seam (backend.h): the VM's memory slot and
// dirty log (vm.h), the vCPU and its exits (vcpu.h), the x86-64 set-up and
// snapshot state (x86_64/). Exits other than port I/O are faults, described
// here with KVM's own reason (triple fault with cr2, MMIO, hlt, ...).
//
// Threading: as Cpu.
#pragma once

#include "vmm/backend.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/kvm/vm.h"
#include "vmm/x86_64/vcpu_state_x86_64.h"

namespace sf::vmm {

class KvmCpu final : public Cpu {
  public:
    static Result<std::unique_ptr<Cpu>> create(const Kvm& kvm);

    Result<void> attach_memory(const GuestMemory& memory) override;
    Result<void> reset(uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa) override;
    Result<uint64_t> tsc_hz() const override { return vcpu_.tsc_hz(); }
    Result<void> match_tsc_hz(uint64_t saved_hz) override;
    Result<CpuExit> run() override;
    Result<uint64_t> rip() const override;
    Result<void> complete_pending_exit() override { return vcpu_.complete_pending_exit(); }
    Result<x86_64::VcpuRecord> save_state() override { return x86_64::save_vcpu_state(vcpu_); }
    Result<uint64_t> restore_state(const x86_64::VcpuRecord& record, uint64_t mem_size) override {
        return x86_64::restore_vcpu_state(vcpu_, record, mem_size);
    }
    bool has_dirty_log() const override { return true; }
    Result<void> enable_dirty_log(const GuestMemory& memory) override { return vm_.enable_dirty_log(memory); }
    Result<void> disable_dirty_log() override { return vm_.disable_dirty_log(); }
    Result<std::vector<uint64_t>> dirty_pages() override { return vm_.dirty_pages(); }

  private:
    KvmCpu(Vm vm, Vcpu vcpu) : vm_(std::move(vm)), vcpu_(std::move(vcpu)) {}
    Result<CpuExit> describe_fault();

    Vm vm_;
    Vcpu vcpu_;
};

} // namespace sf::vmm
