// superfluid monitor, x86-64: the monitor-built part of a guest's start.
//
// Guest code runs in 64-bit mode at CPL 3 with IOPL 3 (see DESIGN.md: on the
// nested KVM here, supervisor code is emulated while user code runs natively).
// Memory is identity mapped. The page tables, GDT and TSS live in the
// monitor-private range [8 KiB, 1 MiB) and are mapped supervisor-only, so the
// guest can neither read nor write them. Image pages get their segment's
// permissions (text R+X, rodata R, data R+W+NX); all other guest memory is
// R+W+NX; page 0 is unmapped; the boot info page is read-only.
//
// Ordering: build_address_space() writes guest memory before the first
// KVM_RUN; setup_vcpu() sets the registers of a fresh vCPU.
#pragma once

#include "common/result.h"
#include "vmm/elf_loader.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm/vcpu.h"

#include <cstdint>
#include <span>
#include <vector>

namespace sf::vmm::x86_64 {

// Writes GDT, TSS and page tables for a guest of `mem_size` bytes into
// `memory` (guest-physical 0 at memory[0]; only the monitor range [0, 1 MiB)
// is written, so `memory` may be just that much, e.g. a memory template), with
// `image`'s segments mapped with their permissions. Errors if the tables would
// not fit the monitor range.
Result<void> build_address_space(std::span<uint8_t> memory, uint64_t mem_size, const Image& image);

// The guest's access to each range of its memory, as the page tables that
// build_address_space() writes give it (page 0, the monitor range and the
// stack guard: none; the boot info: read; image pages: their segments';
// the rest: read and write), for backends that enforce it with host page
// protections. Sorted, adjacent ranges of equal access merged.
std::vector<MemoryRegion> guest_layout(uint64_t mem_size, const Image& image);

// The flat CPL 3 segments and long-mode system registers every guest runs
// with (what setup_vcpu() sets).
kvm_sregs cpl3_sregs(const kvm_sregs& base);

// Sets long mode, CPL 3 segments, IOPL 3, and RIP/RSP/RDI for the guest entry.
Result<void> setup_vcpu(Vcpu& vcpu, uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa);

} // namespace sf::vmm::x86_64
