// Unit tests of sf-bench storm's memory figures: the /proc/meminfo and
// /proc/slabinfo parsers, memory per guest and its parts over rounds.
#include "bench/storm/kernel_memory.h"
#include "bench/storm/memory_parts.h"
#include "bench/storm/storm_summary.h"

#include <gtest/gtest.h>

#include <string>

namespace sf::bench {
namespace {

constexpr const char* kMeminfo = "MemTotal:       24563740 kB\n"
                                 "MemAvailable:   23520112 kB\n"
                                 "Slab:             297536 kB\n"
                                 "SReclaimable:     241628 kB\n"
                                 "SUnreclaim:        55908 kB\n"
                                 "KernelStack:        2120 kB\n"
                                 "PageTables:         6032 kB\n"
                                 "SecPageTables:       128 kB\n"
                                 "VmallocTotal:   34359738367 kB\n"
                                 "VmallocUsed:       19156 kB\n"
                                 "Percpu:             2712 kB\n";

TEST(KernelMemory, ParsesTheFields) {
    auto m = parse_kernel_memory(kMeminfo);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->mem_available, 23520112ull * 1024);
    EXPECT_EQ(m->slab, 297536ull * 1024);
    EXPECT_EQ(m->sunreclaim, 55908ull * 1024);
    EXPECT_EQ(m->kernel_stack, 2120ull * 1024);
    EXPECT_EQ(m->page_tables, 6032ull * 1024);
    EXPECT_EQ(m->sec_page_tables, 128ull * 1024);
    EXPECT_EQ(m->vmalloc_used, 19156ull * 1024); // not VmallocTotal
    EXPECT_EQ(m->percpu, 2712ull * 1024);
}

TEST(KernelMemory, OptionalAndRequiredFields) {
    // An older kernel: no SecPageTables, no Percpu.
    auto old = parse_kernel_memory("MemAvailable: 10 kB\nSlab: 5 kB\nSUnreclaim: 2 kB\nKernelStack: 1 kB\n"
                                   "PageTables: 3 kB\nVmallocUsed: 4 kB\n");
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_EQ(old->sec_page_tables, 0u);
    EXPECT_EQ(old->percpu, 0u);
    EXPECT_EQ(old->vmalloc_used, 4096u);
    auto missing = parse_kernel_memory("MemAvailable: 10 kB\nSUnreclaim: 2 kB\nKernelStack: 1 kB\n"
                                       "PageTables: 3 kB\n");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("Slab"), std::string::npos) << missing.error().message;
}

TEST(KernelMemory, ReadsThisHost) {
    auto m = read_kernel_memory();
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_GT(m->mem_available, 0u);
    EXPECT_GE(m->slab, m->sunreclaim);
}

constexpr const char* kSlabinfo =
    "slabinfo - version: 2.1\n"
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
    "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
    "btrfs_delayed_node      0      0    312   13    1 : tunables    0    0    0 : slabdata      0      0    "
    "  0\n"
    "kvm_vcpu               4     11  51488    1   16 : tunables    0    0    0 : slabdata     11     11     "
    " 0\n"
    "kvm_mmu_page_header    264    264    184   22    1 : tunables    0    0    0 : slabdata     12     12   "
    "   0\n"
    "x86_emulator_kvm       1      1    100   40    1 : tunables    0    0    0 : slabdata      1      1     "
    " 0\n";

TEST(KernelMemory, KvmSlabCountsWholeSlabs) {
    auto bytes = parse_kvm_slab(kSlabinfo, 4096);
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_EQ(*bytes, (11u * 16 + 12u * 1) * 4096); // kvm_* only, slabs x pages per slab
    EXPECT_FALSE(parse_kvm_slab("slabinfo - version: 1.1\n", 4096));
    EXPECT_FALSE(parse_kvm_slab("slabinfo - version: 2.1\nkvm_vcpu 4 11 51488\n", 4096));
    auto none = parse_kvm_slab("slabinfo - version: 2.1\n# name\n", 4096);
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, 0u);
}

// A reading with every kernel counter at `base` KiB plus the given growths.
MemoryReading reading(uint64_t available_kib, uint64_t grow_kib) {
    MemoryReading r;
    r.kernel.mem_available = available_kib * 1024;
    r.kernel.slab = (1000 + 4 * grow_kib) * 1024;
    r.kernel.sunreclaim = (500 + 3 * grow_kib) * 1024;
    r.kernel.page_tables = (100 + grow_kib) * 1024;
    r.kernel.sec_page_tables = (10 + grow_kib) * 1024;
    r.kernel.kernel_stack = (20 + grow_kib) * 1024;
    r.kernel.vmalloc_used = (30 + grow_kib) * 1024;
    r.kernel.percpu = (40 + grow_kib) * 1024;
    r.tree_pss = (5000 + 10 * grow_kib) * 1024;
    r.kvm_slab = (200 + 2 * grow_kib) * 1024;
    return r;
}

TEST(MemoryParts, PerGuestPartsAndTheRest) {
    // 10 guests; MemAvailable falls by 3000 KiB; counters grow by
    // 10 x (slab 40, page tables 10, sec 10, stacks 10, vmalloc 10, percpu 10, pss 100) KiB.
    MemoryRound round{reading(100000, 0), reading(97000, 10), 10};
    auto m = memory_per_guest(round);
    ASSERT_TRUE(m);
    EXPECT_DOUBLE_EQ(m->total, 300);
    ASSERT_TRUE(m->pss);
    EXPECT_DOUBLE_EQ(*m->pss, 10);
    EXPECT_DOUBLE_EQ(m->slab, 4);
    EXPECT_DOUBLE_EQ(m->sunreclaim, 3);
    ASSERT_TRUE(m->kvm_slab);
    EXPECT_DOUBLE_EQ(*m->kvm_slab, 2);
    EXPECT_DOUBLE_EQ(m->page_tables, 1);
    EXPECT_DOUBLE_EQ(m->sec_page_tables, 1);
    EXPECT_DOUBLE_EQ(m->kernel_stack, 1);
    EXPECT_DOUBLE_EQ(m->vmalloc, 1);
    EXPECT_DOUBLE_EQ(m->percpu, 1);
    // sunreclaim and kvm_slab are inside slab: not subtracted again.
    EXPECT_DOUBLE_EQ(m->unexplained, 300 - 10 - 4 - 1 - 1 - 1 - 1 - 1);
    EXPECT_FALSE(memory_per_guest(MemoryRound{reading(1, 0), reading(1, 0), 0}));
}

TEST(MemoryParts, WithoutPssTheUserMemoryStaysUnexplained) {
    MemoryRound round{reading(100000, 0), reading(97000, 10), 10};
    round.after.tree_pss.reset();
    round.before.kvm_slab.reset();
    auto m = memory_per_guest(round);
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->pss);
    EXPECT_FALSE(m->kvm_slab);
    EXPECT_DOUBLE_EQ(m->unexplained, 300 - 4 - 1 - 1 - 1 - 1 - 1);
    MemorySummary s = summarize_memory({round});
    EXPECT_FALSE(s.pss);
    const std::string text = format_memory(s);
    EXPECT_NE(text.find("PSS: not read"), std::string::npos) << text;
    EXPECT_NE(text.find("KVM's own caches not read"), std::string::npos) << text;
    nlohmann::json j;
    add_memory_json(s, j);
    EXPECT_TRUE(j["sfd_pss_kib_per_guest"].is_null());
    EXPECT_TRUE(j["kvm_slab_kib_per_guest"].is_null());
}

TEST(MemoryParts, SpreadOverRounds) {
    // Totals per guest 300, 500, 200, 400 KiB: median 350, min 200, max 500.
    std::vector<MemoryRound> rounds{{reading(100000, 0), reading(97000, 10), 10},
                                    {reading(100000, 0), reading(95000, 10), 10},
                                    {reading(100000, 0), reading(98000, 10), 10},
                                    {reading(100000, 0), reading(96000, 10), 10},
                                    {reading(100000, 0), reading(1, 10), 0}}; // created none: left out
    MemorySummary s = summarize_memory(rounds);
    EXPECT_EQ(s.rounds, 4u);
    EXPECT_DOUBLE_EQ(s.total.median, 350);
    EXPECT_DOUBLE_EQ(s.total.min, 200);
    EXPECT_DOUBLE_EQ(s.total.max, 500);
    EXPECT_DOUBLE_EQ(s.unexplained.median, 350 - 19);
    EXPECT_DOUBLE_EQ(s.unexplained.min, 200 - 19);
    ASSERT_TRUE(s.pss);
    EXPECT_DOUBLE_EQ(s.pss->max, 10);
    nlohmann::json j;
    add_memory_json(s, j);
    EXPECT_DOUBLE_EQ(j["mem_per_guest_kib"].get<double>(), 350);
    EXPECT_DOUBLE_EQ(j["mem_per_guest_kib_min"].get<double>(), 200);
    EXPECT_DOUBLE_EQ(j["mem_per_guest_kib_max"].get<double>(), 500);
    EXPECT_DOUBLE_EQ(j["unexplained_kib_per_guest_max"].get<double>(), 481);
    EXPECT_EQ(j["memory_rounds"].get<int>(), 4);
    const std::string text = format_memory(s);
    EXPECT_NE(text.find("350.0 KiB (min 200.0, max 500.0)"), std::string::npos) << text;
    EXPECT_NE(text.find("median of 4 rounds"), std::string::npos) << text;
}

TEST(MemoryParts, LaterRoundFailuresMissTheTarget) {
    StormReadings readings;
    readings.memory = {{reading(100000, 0), reading(99000, 1), 2},
                       {reading(100000, 0), reading(99000, 1), 1}};
    readings.later_rounds_failed = 1;
    std::vector<StormSample> samples{{true, 1, 0.5, 1}, {true, 1, 0.5, 2}};
    StormSummary s = summarize_storm(samples, readings);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_FALSE(meets_targets(s));
    EXPECT_EQ(to_json(s)["later_rounds_failed"].get<int>(), 1);
    EXPECT_DOUBLE_EQ(s.mem_per_guest_kib, (500.0 + 1000.0) / 2);
    readings.later_rounds_failed = 0;
    EXPECT_TRUE(meets_targets(summarize_storm(samples, readings)));
}

} // namespace
} // namespace sf::bench
