// superfluid monitor, x86-64: a vCPU's state for snapshots (the Vcpu record).
//
// Saved: general registers, special registers, FPU/SSE (KVM_GET_FPU: guests
// run with CR4.OSFXSR and without OSXSAVE, so x87 + SSE is all their FPU
// state), XCRs, vCPU events and the MSRs in kSavedMsrs (IA32_TSC first).
//
// Restoring follows one safety rule: the system state stays the receiving
// shell's own, as x86_64::setup_vcpu() builds it for that memory size (GDT,
// IDT, TSS, CR0/CR3/CR4, EFER, segment descriptors, APIC base, XCR0,
// STAR/LSTAR/CSTAR/SYSCALL_MASK, FS/GS/KERNEL_GS bases). From the record it
// takes only what code at CPL 3 can change: the general registers and RIP
// (RIP inside [SF_GUEST_BASE_GPA, mem_size)), the arithmetic and control
// flags of RFLAGS (IOPL stays 3, VM/VIF/VIP/RF clear), the FPU/SSE state
// (MXCSR's reserved bits refused), the interrupt shadow, and the TSC (which
// continues from the saved value). A record asking for anything else (an
// exception or interrupt pending, a segment other than the flat CPL 3 ones)
// is refused with a message. So a hostile file cannot move a guest out of
// CPL 3 nor give it other page tables; the saved system fields are kept in
// the record for diagnosis only.
//
// Threading: on the thread that owns the Vcpu, with the vCPU not running.
// Ordering: save after Vcpu::complete_pending_exit() (see vcpu.h).
#pragma once

#include "common/result.h"
#include "vmm/kvm/vcpu.h"
#include "vmm/x86_64/vcpu_record_x86_64.h"

#include <linux/kvm.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sf::vmm::x86_64 {

// Reads the vCPU's state. Precondition: Vcpu::complete_pending_exit() ran
// since the last exit (else RIP may still point at a hypercall's `out`).
[[nodiscard]] Result<VcpuRecord> save_vcpu_state(const Vcpu& vcpu);

// Puts the CPL 3 part of `record` on a vCPU freshly set up by setup_vcpu()
// for the same memory size, and the TSC last. check_vcpu_record() first.
// Returns the guest TSC read back right after setting it: the record's value
// (plus the few microseconds the call took) where KVM honours the write. Some
// hosts ignore it (measured on the nested KVM of these machines: every guest
// reads the host's TSC, KVM_VCPU_TSC_OFFSET and IA32_TSC writes have no
// effect); then it is the host's TSC and the caller adapts its clock to it.
[[nodiscard]] Result<uint64_t> restore_vcpu_state(Vcpu& vcpu, const VcpuRecord& record, uint64_t mem_size);
// The guest's TSC now (IA32_TSC through KVM_GET_MSRS).
[[nodiscard]] Result<uint64_t> read_guest_tsc(const Vcpu& vcpu);

} // namespace sf::vmm::x86_64
