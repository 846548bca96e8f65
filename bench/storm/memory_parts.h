// sf-bench storm: host memory per guest and the parts of it that can be
// measured, over one or more rounds of the storm.
//
// A round reads the host before its creates and after them (settled); the
// per-guest figure of a part is its growth over the round divided by the
// guests created. The total is MemAvailable's fall. The measured parts are
// the PSS of sfd and its workers (user memory: guest pages, monitor heaps)
// and the kernel's counters in /proc/meminfo (slab, page tables, KVM's
// secondary page tables, kernel stacks, vmalloc, per-CPU); what they leave
// of the total is `unexplained`: memory no counter attributes (pages KVM
// takes straight from the page allocator, page cache moved by other
// processes, noise). KVM's own slab caches and SUnreclaim are shown as parts
// of slab, not added again. Pure functions, unit-tested.
#pragma once

#include "bench/storm/kernel_memory.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

// One reading of the host.
struct MemoryReading {
    KernelMemory kernel;
    std::optional<uint64_t> tree_pss; // sfd and its workers, bytes; when sf-bench started sfd
    std::optional<uint64_t> kvm_slab; // bytes; when /proc/slabinfo could be read
};

// One round: the readings around its creates, and how many were created.
struct MemoryRound {
    MemoryReading before, after;
    size_t created = 0;
};

// The figures of one round, KiB per guest (negative when a counter fell).
struct MemoryPerGuest {
    double total = 0; // MemAvailable before minus after
    std::optional<double> pss;
    double slab = 0, sunreclaim = 0;
    std::optional<double> kvm_slab;
    double page_tables = 0, sec_page_tables = 0, kernel_stack = 0, vmalloc = 0, percpu = 0;
    // total minus pss, slab, page_tables, sec_page_tables, kernel_stack,
    // vmalloc and percpu (with no pss reading, user memory stays in it)
    double unexplained = 0;
};

// nullopt when the round created no guest.
std::optional<MemoryPerGuest> memory_per_guest(const MemoryRound& round);

struct Spread {
    double median = 0, min = 0, max = 0;
};

// Each figure's median, min and max over the rounds that created guests; an
// optional part is present only if every such round has it.
struct MemorySummary {
    size_t rounds = 0; // rounds that created guests
    Spread total, slab, sunreclaim, page_tables, sec_page_tables, kernel_stack, vmalloc, percpu, unexplained;
    std::optional<Spread> pss, kvm_slab;
};
MemorySummary summarize_memory(const std::vector<MemoryRound>& rounds);

// The JSON keys (medians, KiB per guest, rounded to 0.1): mem_per_guest_kib
// with mem_per_guest_kib_min and _max, sfd_pss_kib_per_guest and
// kvm_slab_kib_per_guest (null when not read), slab_, sunreclaim_,
// page_tables_, sec_page_tables_, kernel_stack_, vmalloc_, percpu_ and
// unexplained_kib_per_guest, unexplained_kib_per_guest_min and _max, and
// memory_rounds (a number). Added to `json`.
void add_memory_json(const MemorySummary& summary, nlohmann::json& json);

// The human lines: the total and its spread, then each part.
std::string format_memory(const MemorySummary& summary);

} // namespace sf::bench
