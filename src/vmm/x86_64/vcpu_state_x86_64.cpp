// superfluid monitor, x86-64: saving a vCPU and restoring its CPL 3 part.
#include "vmm/x86_64/vcpu_state_x86_64.h"

#include "superfluid/abi.h"

#include <x86intrin.h>

#include <cstring>

namespace sf::vmm::x86_64 {
namespace {

// RFLAGS bits code at CPL 3 with IOPL 3 can change: CF PF AF ZF SF TF IF DF OF NT AC ID.
constexpr uint64_t kUserFlags =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x4000 | (1ull << 18) | (1ull << 21);

// struct kvm_msrs with room for N entries. In C++, asm/kvm.h's flexible array
// member gives kvm_msrs another size than the kernel's 8 bytes, and with it
// other KVM_GET_MSRS / KVM_SET_MSRS numbers: both are made here from the C layout.
struct MsrsHeader {
    uint32_t nmsrs;
    uint32_t pad;
};
template <size_t N> struct MsrList {
    MsrsHeader header;
    kvm_msr_entry entries[N];
};
static_assert(sizeof(MsrsHeader) == 8 && sizeof(MsrList<1>) == 8 + sizeof(kvm_msr_entry));
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);

Result<void> save_msrs(const Vcpu& vcpu, VcpuRecord& record) {
    MsrList<kSavedMsrs.size()> list{};
    list.header.nmsrs = static_cast<uint32_t>(kSavedMsrs.size());
    for (size_t i = 0; i < kSavedMsrs.size(); ++i)
        list.entries[i].index = kSavedMsrs[i];
    SF_TRY_ASSIGN(int read,
                  vcpu.ioctl_value(kGetMsrs, reinterpret_cast<unsigned long>(&list), "KVM_GET_MSRS"));
    if (read < 1) return error("KVM_GET_MSRS could not read IA32_TSC");
    record.msr_count =
        static_cast<uint32_t>(read); // the first `read` of kSavedMsrs (KVM stops at the first it lacks)
    for (int i = 0; i < read; ++i)
        record.msrs[i] = MsrValue{list.entries[i].index, 0, list.entries[i].data};
    return ok();
}

// Makes the guest's TSC read `tsc` now: through KVM_VCPU_TSC_OFFSET where the
// host has it (exact), else by writing IA32_TSC.
Result<void> set_guest_tsc(Vcpu& vcpu, uint64_t tsc) {
#ifdef KVM_VCPU_TSC_CTRL
    kvm_device_attr attr{};
    attr.group = KVM_VCPU_TSC_CTRL;
    attr.attr = KVM_VCPU_TSC_OFFSET;
    if (vcpu.ioctl(KVM_HAS_DEVICE_ATTR, &attr, "KVM_HAS_DEVICE_ATTR")) {
        // Guest TSC = host TSC + offset (the frequencies are equal: Guest::restore checks).
        uint64_t offset = tsc - __rdtsc();
        attr.addr = reinterpret_cast<uint64_t>(&offset);
        return vcpu.ioctl(KVM_SET_DEVICE_ATTR, &attr, "KVM_SET_DEVICE_ATTR (TSC offset)");
    }
#endif
    MsrList<1> list{};
    list.header.nmsrs = 1;
    list.entries[0].index = kMsrTsc;
    list.entries[0].data = tsc;
    SF_TRY_ASSIGN(int written,
                  vcpu.ioctl_value(kSetMsrs, reinterpret_cast<unsigned long>(&list), "KVM_SET_MSRS"));
    if (written != 1) return error("KVM_SET_MSRS did not set IA32_TSC");
    return ok();
}

} // namespace

Result<VcpuRecord> save_vcpu_state(const Vcpu& vcpu) {
    VcpuRecord record{};
    SF_TRY(vcpu.ioctl(KVM_GET_REGS, &record.regs, "KVM_GET_REGS"));
    SF_TRY(vcpu.ioctl(KVM_GET_SREGS, &record.sregs, "KVM_GET_SREGS"));
    SF_TRY(vcpu.ioctl(KVM_GET_FPU, &record.fpu, "KVM_GET_FPU"));
    if (!vcpu.ioctl(KVM_GET_XCRS, &record.xcrs, "KVM_GET_XCRS")) record.xcrs = kvm_xcrs{}; // no KVM_CAP_XCRS
    SF_TRY(vcpu.ioctl(KVM_GET_VCPU_EVENTS, &record.events, "KVM_GET_VCPU_EVENTS"));
    SF_TRY(save_msrs(vcpu, record));
    return record;
}

Result<uint64_t> restore_vcpu_state(Vcpu& vcpu, const VcpuRecord& record, uint64_t mem_size) {
    SF_TRY(check_vcpu_record(record, mem_size));
    kvm_regs regs = record.regs;
    regs.rflags = (regs.rflags & kUserFlags) | kRflagsFixed | kRflagsIopl3;
    SF_TRY(vcpu.set_regs(regs));
    kvm_fpu fpu = record.fpu;
    SF_TRY(vcpu.ioctl(KVM_SET_FPU, &fpu, "KVM_SET_FPU"));
    kvm_vcpu_events events{};
    SF_TRY(vcpu.ioctl(KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS"));
    events.flags = KVM_VCPUEVENT_VALID_SHADOW;
    events.interrupt.shadow =
        record.events.interrupt.shadow & (KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI);
    SF_TRY(vcpu.ioctl(KVM_SET_VCPU_EVENTS, &events, "KVM_SET_VCPU_EVENTS"));
    SF_TRY(set_guest_tsc(vcpu, *record_msr(record, kMsrTsc)));
    return read_guest_tsc(vcpu);
}

Result<uint64_t> read_guest_tsc(const Vcpu& vcpu) {
    MsrList<1> list{};
    list.header.nmsrs = 1;
    list.entries[0].index = kMsrTsc;
    SF_TRY_ASSIGN(int read,
                  vcpu.ioctl_value(kGetMsrs, reinterpret_cast<unsigned long>(&list), "KVM_GET_MSRS"));
    if (read != 1) return error("KVM_GET_MSRS could not read IA32_TSC");
    return list.entries[0].data;
}

} // namespace sf::vmm::x86_64
