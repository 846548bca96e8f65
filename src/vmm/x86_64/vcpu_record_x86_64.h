// superfluid monitor, x86-64: the Vcpu record, a guest CPU's state in a
// snapshot, the same whichever backend ran the guest (kvm/ or process/).
//
// Saved: general registers, special registers, FPU/SSE (guests run with
// CR4.OSFXSR and without OSXSAVE, so x87 + SSE is all their FPU state), XCRs,
// vCPU events and the MSRs in kSavedMsrs (IA32_TSC first), in Linux's KVM
// structs. check_vcpu_record() is the rule every restore follows (see
// vcpu_state_x86_64.h).
#pragma once

#include "common/result.h"

#include <linux/kvm.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sf::vmm::x86_64 {

// RFLAGS bits every guest runs with: bit 1 (always set), IF, and IOPL 3 (a
// KVM guest's; a process guest has IF but IOPL 0, and traps its `out`s).
inline constexpr uint64_t kRflagsFixed = 1ull << 1, kRflagsIf = 1ull << 9, kRflagsIopl3 = 3ull << 12;

inline constexpr uint32_t kMsrTsc = 0x10;
inline constexpr uint32_t kMsrStar = 0xc0000081;
inline constexpr uint32_t kMsrLstar = 0xc0000082;
inline constexpr uint32_t kMsrCstar = 0xc0000083;
inline constexpr uint32_t kMsrSyscallMask = 0xc0000084;
inline constexpr uint32_t kMsrFsBase = 0xc0000100;
inline constexpr uint32_t kMsrGsBase = 0xc0000101;
inline constexpr uint32_t kMsrKernelGsBase = 0xc0000102;
inline constexpr uint32_t kMsrTscAux = 0xc0000103;
inline constexpr std::array<uint32_t, 9> kSavedMsrs = {kMsrTsc,    kMsrStar,         kMsrLstar,
                                                       kMsrCstar,  kMsrSyscallMask,  kMsrFsBase,
                                                       kMsrGsBase, kMsrKernelGsBase, kMsrTscAux};
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
    kvm_xcrs xcrs; // nr_xcrs 0 when the host has no KVM_CAP_XCRS
    kvm_vcpu_events events;
    MsrValue msrs[kMaxRecordMsrs];
};
static_assert(sizeof(kvm_regs) == 144);
static_assert(sizeof(kvm_sregs) == 312);
static_assert(sizeof(kvm_fpu) == 416);
static_assert(sizeof(kvm_xcrs) == 392);
static_assert(sizeof(kvm_vcpu_events) == 64);
static_assert(sizeof(VcpuRecord) == 8 + 144 + 312 + 416 + 392 + 64 + 16 * kMaxRecordMsrs);

// The MSR value in a record, if it holds that index.
std::optional<uint64_t> record_msr(const VcpuRecord& record, uint32_t index);

// Checks a record read from a stream against the rule above for a guest of
// `mem_size` bytes; the error names the first field refused.
[[nodiscard]] Result<void> check_vcpu_record(const VcpuRecord& record, uint64_t mem_size);

// Payload bytes <-> record (decode checks the size and msr_count only).
std::vector<uint8_t> encode_vcpu_record(const VcpuRecord& record);
[[nodiscard]] Result<VcpuRecord> decode_vcpu_record(std::span<const uint8_t> payload);

} // namespace sf::vmm::x86_64
