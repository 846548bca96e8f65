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
#include "vmm/vcpu.h"

#include <linux/kvm.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sf::vmm::x86_64 {

inline constexpr uint32_t kMsrTsc = 0x10;
inline constexpr uint32_t kMsrStar = 0xc0000081;
inline constexpr uint32_t kMsrLstar = 0xc0000082;
inline constexpr uint32_t kMsrCstar = 0xc0000083;
inline constexpr uint32_t kMsrSyscallMask = 0xc0000084;
inline constexpr uint32_t kMsrFsBase = 0xc0000100;
inline constexpr uint32_t kMsrGsBase = 0xc0000101;
inline constexpr uint32_t kMsrKernelGsBase = 0xc0000102;
inline constexpr uint32_t kMsrTscAux = 0xc0000103;
inline constexpr std::array<uint32_t, 9> kSavedMsrs = {kMsrTsc,    kMsrStar,   kMsrLstar,        kMsrCstar, kMsrSyscallMask,
                                                       kMsrFsBase, kMsrGsBase, kMsrKernelGsBase, kMsrTscAux};
inline constexpr size_t kMaxRecordMsrs = 16;

struct MsrValue {
    uint32_t index;
    uint32_t reserved; // 0
    uint64_t value;
};
static_assert(sizeof(MsrValue) == 16);

// The Vcpu record's payload: Linux's x86-64 KVM structs (<asm/kvm.h>, a
// stable kernel ABI; sizes checked) followed by the MSRs. Fixed size.
struct VcpuRecord {
    uint32_t msr_count; // entries used in msrs[], <= kMaxRecordMsrs
    uint32_t reserved;  // 0
    kvm_regs regs;
    kvm_sregs sregs;
    kvm_fpu fpu;
    kvm_xcrs xcrs;           // nr_xcrs 0 when the host has no KVM_CAP_XCRS
    kvm_vcpu_events events;
    MsrValue msrs[kMaxRecordMsrs];
};
static_assert(sizeof(kvm_regs) == 144);
static_assert(sizeof(kvm_sregs) == 312);
static_assert(sizeof(kvm_fpu) == 416);
static_assert(sizeof(kvm_xcrs) == 392);
static_assert(sizeof(kvm_vcpu_events) == 64);
static_assert(sizeof(VcpuRecord) == 8 + 144 + 312 + 416 + 392 + 64 + 16 * kMaxRecordMsrs);

// Reads the vCPU's state. Precondition: Vcpu::complete_pending_exit() ran
// since the last exit (else RIP may still point at a hypercall's `out`).
[[nodiscard]] Result<VcpuRecord> save_vcpu_state(const Vcpu& vcpu);

// The MSR value in a record, if it holds that index.
std::optional<uint64_t> record_msr(const VcpuRecord& record, uint32_t index);

// Checks a record read from a stream against the rule above for a guest of
// `mem_size` bytes; the error names the first field refused.
[[nodiscard]] Result<void> check_vcpu_record(const VcpuRecord& record, uint64_t mem_size);

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

// Payload bytes <-> record (decode checks the size and msr_count only).
std::vector<uint8_t> encode_vcpu_record(const VcpuRecord& record);
[[nodiscard]] Result<VcpuRecord> decode_vcpu_record(std::span<const uint8_t> payload);

} // namespace sf::vmm::x86_64
