// sf-bench: the kernel's memory that a guest can add to and that /proc shows:
// the /proc/meminfo fields of slab, page tables (the host's and KVM's
// secondary ones), kernel stacks, vmalloc and per-CPU areas, and the slab
// caches of KVM itself in /proc/slabinfo (readable by root only).
//
// The parsers take the file's text so tests can feed them samples; the
// readers open the real files. Both fail with a one-line Error.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sf::bench {

// Bytes. MemAvailable, Slab, SUnreclaim, PageTables and KernelStack are
// required; SecPageTables (Linux 6.0+: KVM's EPT/NPT tables), VmallocUsed and
// Percpu are 0 where the kernel does not report them.
struct KernelMemory {
    uint64_t mem_available = 0;
    uint64_t slab = 0;       // SReclaimable + SUnreclaim
    uint64_t sunreclaim = 0; // part of slab
    uint64_t page_tables = 0;
    uint64_t sec_page_tables = 0;
    uint64_t kernel_stack = 0;
    uint64_t vmalloc_used = 0;
    uint64_t percpu = 0;
};
Result<KernelMemory> parse_kernel_memory(std::string_view meminfo);
Result<KernelMemory> read_kernel_memory();

// The memory held by the slabs of the caches whose name starts with "kvm"
// (kvm_vcpu, kvm_mmu_page_header, ...), in bytes: num_slabs x pagesperslab x
// `page_size`, from a slabinfo 2.x text. Part of meminfo's Slab. Caches the
// kernel merged into others under another name are not seen.
Result<uint64_t> parse_kvm_slab(std::string_view slabinfo, uint64_t page_size);
// From /proc/slabinfo; nullopt where it cannot be read (not root).
std::optional<uint64_t> read_kvm_slab();

} // namespace sf::bench
