// superfluid monitor, x86-64: the Vcpu record, its rule and its bytes.
#include "vmm/x86_64/vcpu_record_x86_64.h"

#include "superfluid/abi.h"

#include <cstring>

namespace sf::vmm::x86_64 {
namespace {

constexpr uint64_t kEferLma = 1ull << 10;

bool cpl3_segment(const kvm_segment& seg) {
    return (seg.selector & 3) == 3 && seg.dpl == 3 && seg.present == 1;
}

} // namespace

std::optional<uint64_t> record_msr(const VcpuRecord& record, uint32_t index) {
    for (uint32_t i = 0; i < record.msr_count && i < kMaxRecordMsrs; ++i)
        if (record.msrs[i].index == index) return record.msrs[i].value;
    return std::nullopt;
}

Result<void> check_vcpu_record(const VcpuRecord& record, uint64_t mem_size) {
    constexpr const char* kWhat = "snapshot Vcpu";
    if (record.msr_count > kMaxRecordMsrs)
        return error("{}: {} MSRs (at most {})", kWhat, record.msr_count, kMaxRecordMsrs);
    if (!record_msr(record, kMsrTsc)) return error("{}: no IA32_TSC", kWhat);
    const uint64_t rip = record.regs.rip;
    if (rip < SF_GUEST_BASE_GPA || rip >= mem_size)
        return error("{}: rip {:#x} is outside the guest's memory [{:#x}, {:#x})", kWhat, rip,
                     SF_GUEST_BASE_GPA, mem_size);
    const kvm_sregs& s = record.sregs;
    if (!cpl3_segment(s.cs) || s.cs.l != 1 || (s.cs.type & 0x8) == 0)
        return error("{}: code segment selector {:#x} dpl {} is not 64-bit CPL 3 code (only CPL 3 guests are "
                     "restored)",
                     kWhat, s.cs.selector, s.cs.dpl);
    if (!cpl3_segment(s.ss)) return error("{}: stack segment {:#x} is not CPL 3", kWhat, s.ss.selector);
    if ((s.efer & kEferLma) == 0) return error("{}: not in long mode (EFER {:#x})", kWhat, s.efer);
    if ((record.fpu.mxcsr & ~0xffffu) != 0)
        return error("{}: MXCSR {:#x} sets reserved bits", kWhat, record.fpu.mxcsr);
    const kvm_vcpu_events& e = record.events;
    if (e.exception.injected || e.exception.pending || e.interrupt.injected || e.nmi.injected ||
        e.nmi.pending || e.smi.smm || e.smi.pending)
        return error("{}: an exception, interrupt, NMI or SMI is pending (a CPL 3 guest at rest has none)",
                     kWhat);
    return ok();
}

std::vector<uint8_t> encode_vcpu_record(const VcpuRecord& record) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&record);
    return std::vector<uint8_t>(bytes, bytes + sizeof(record));
}

Result<VcpuRecord> decode_vcpu_record(std::span<const uint8_t> payload) {
    if (payload.size() != sizeof(VcpuRecord))
        return error("snapshot Vcpu: {} bytes (a Vcpu record is {})", payload.size(), sizeof(VcpuRecord));
    VcpuRecord record{};
    std::memcpy(&record, payload.data(), sizeof(record));
    if (record.msr_count > kMaxRecordMsrs)
        return error("snapshot Vcpu: {} MSRs (at most {})", record.msr_count, kMaxRecordMsrs);
    return record;
}

} // namespace sf::vmm::x86_64
