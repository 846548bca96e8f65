// superfluid monitor: KVM ioctl numbers that <linux/kvm.h> gets wrong in C++.
//
// Debian 12's kernel headers declare the flexible array of struct kvm_cpuid2
// with __DECLARE_FLEX_ARRAY, which in C++ adds an empty struct member: the
// struct grows from 8 to 12 bytes and so does the size encoded in the ioctl
// numbers built from it (KVM then answers EINVAL). These are the numbers as
// the kernel defines them, built from the real 8-byte header.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace sf::vmm {

struct KvmCpuid2Header {
    uint32_t nent;
    uint32_t padding;
    // followed by nent struct kvm_cpuid_entry2
};
static_assert(sizeof(KvmCpuid2Header) == 8);

inline constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, KvmCpuid2Header);
inline constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, KvmCpuid2Header);

} // namespace sf::vmm
