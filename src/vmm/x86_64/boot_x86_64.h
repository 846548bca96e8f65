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
#include "vmm/vcpu.h"

#include <cstdint>
#include <span>

namespace sf::vmm::x86_64 {

// Writes GDT, TSS and page tables for a guest of `mem_size` bytes into
// `memory` (guest-physical 0 at memory[0]; only the monitor range [0, 1 MiB)
// is written, so `memory` may be just that much, e.g. a memory template), with
// `image`'s segments mapped with their permissions. Errors if the tables would
// not fit the monitor range.
Result<void> build_address_space(std::span<uint8_t> memory, uint64_t mem_size, const Image& image);

// Sets long mode, CPL 3 segments, IOPL 3, and RIP/RSP/RDI for the guest entry.
Result<void> setup_vcpu(Vcpu& vcpu, uint64_t entry, uint64_t stack_top, uint64_t boot_info_gpa);

} // namespace sf::vmm::x86_64
