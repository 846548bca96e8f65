// sf-bench storm: memory per guest and its parts; see memory_parts.h.
#include "bench/storm/memory_parts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

namespace sf::bench {
namespace {

// (after - before) / guests, in KiB; negative when the counter fell.
double growth_kib(uint64_t before, uint64_t after, size_t guests) {
    return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(guests) / 1024.0;
}

std::optional<double> optional_growth(const std::optional<uint64_t>& before,
                                      const std::optional<uint64_t>& after, size_t guests) {
    if (!before || !after) return std::nullopt;
    return growth_kib(*before, *after, guests);
}

// Median (the mean of the two middle values for an even count), min and max.
Spread spread_of(std::vector<double> values) {
    if (values.empty()) return {};
    std::sort(values.begin(), values.end());
    const size_t mid = values.size() / 2;
    const double median = values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    return {median, values.front(), values.back()};
}

Spread spread_by(const std::vector<MemoryPerGuest>& rounds,
                 const std::function<double(const MemoryPerGuest&)>& f) {
    std::vector<double> values;
    for (const MemoryPerGuest& r : rounds)
        values.push_back(f(r));
    return spread_of(std::move(values));
}

std::optional<Spread> optional_spread_by(const std::vector<MemoryPerGuest>& rounds,
                                         std::optional<double> MemoryPerGuest::*part) {
    std::vector<double> values;
    for (const MemoryPerGuest& r : rounds) {
        if (!(r.*part)) return std::nullopt;
        values.push_back(*(r.*part));
    }
    if (values.empty()) return std::nullopt;
    return spread_of(std::move(values));
}

double rounded(double value) {
    return std::round(value * 10.0) / 10.0;
}

nlohmann::json optional_json(const std::optional<Spread>& spread) {
    return spread ? nlohmann::json(rounded(spread->median)) : nlohmann::json(nullptr);
}

// "512.0 KiB" with " (min 500.0, max 530.0)" when there were several rounds.
std::string spread_text(const Spread& s, size_t rounds) {
    if (rounds <= 1) return fmt::format("{:.1f} KiB", s.median);
    return fmt::format("{:.1f} KiB (min {:.1f}, max {:.1f})", s.median, s.min, s.max);
}

} // namespace

std::optional<MemoryPerGuest> memory_per_guest(const MemoryRound& round) {
    if (round.created == 0) return std::nullopt;
    const KernelMemory& b = round.before.kernel;
    const KernelMemory& a = round.after.kernel;
    const size_t n = round.created;
    MemoryPerGuest m;
    m.total = growth_kib(a.mem_available, b.mem_available, n); // a fall of MemAvailable
    m.pss = optional_growth(round.before.tree_pss, round.after.tree_pss, n);
    m.slab = growth_kib(b.slab, a.slab, n);
    m.sunreclaim = growth_kib(b.sunreclaim, a.sunreclaim, n);
    m.kvm_slab = optional_growth(round.before.kvm_slab, round.after.kvm_slab, n);
    m.page_tables = growth_kib(b.page_tables, a.page_tables, n);
    m.sec_page_tables = growth_kib(b.sec_page_tables, a.sec_page_tables, n);
    m.kernel_stack = growth_kib(b.kernel_stack, a.kernel_stack, n);
    m.vmalloc = growth_kib(b.vmalloc_used, a.vmalloc_used, n);
    m.percpu = growth_kib(b.percpu, a.percpu, n);
    m.unexplained = m.total - m.pss.value_or(0) - m.slab - m.page_tables - m.sec_page_tables -
                    m.kernel_stack - m.vmalloc - m.percpu;
    return m;
}

MemorySummary summarize_memory(const std::vector<MemoryRound>& rounds) {
    std::vector<MemoryPerGuest> per_guest;
    for (const MemoryRound& round : rounds)
        if (auto m = memory_per_guest(round)) per_guest.push_back(*m);
    MemorySummary s;
    s.rounds = per_guest.size();
    s.total = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.total; });
    s.slab = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.slab; });
    s.sunreclaim = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.sunreclaim; });
    s.page_tables = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.page_tables; });
    s.sec_page_tables = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.sec_page_tables; });
    s.kernel_stack = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.kernel_stack; });
    s.vmalloc = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.vmalloc; });
    s.percpu = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.percpu; });
    s.unexplained = spread_by(per_guest, [](const MemoryPerGuest& m) { return m.unexplained; });
    s.pss = optional_spread_by(per_guest, &MemoryPerGuest::pss);
    s.kvm_slab = optional_spread_by(per_guest, &MemoryPerGuest::kvm_slab);
    return s;
}

void add_memory_json(const MemorySummary& s, nlohmann::json& json) {
    json["mem_per_guest_kib"] = rounded(s.total.median);
    json["mem_per_guest_kib_min"] = rounded(s.total.min);
    json["mem_per_guest_kib_max"] = rounded(s.total.max);
    json["memory_rounds"] = s.rounds;
    json["sfd_pss_kib_per_guest"] = optional_json(s.pss);
    json["slab_kib_per_guest"] = rounded(s.slab.median);
    json["sunreclaim_kib_per_guest"] = rounded(s.sunreclaim.median);
    json["kvm_slab_kib_per_guest"] = optional_json(s.kvm_slab);
    json["page_tables_kib_per_guest"] = rounded(s.page_tables.median);
    json["sec_page_tables_kib_per_guest"] = rounded(s.sec_page_tables.median);
    json["kernel_stack_kib_per_guest"] = rounded(s.kernel_stack.median);
    json["vmalloc_kib_per_guest"] = rounded(s.vmalloc.median);
    json["percpu_kib_per_guest"] = rounded(s.percpu.median);
    json["unexplained_kib_per_guest"] = rounded(s.unexplained.median);
    json["unexplained_kib_per_guest_min"] = rounded(s.unexplained.min);
    json["unexplained_kib_per_guest_max"] = rounded(s.unexplained.max);
}

std::string format_memory(const MemorySummary& s) {
    const size_t r = s.rounds;
    std::string out =
        fmt::format("  host memory per guest: {} (MemAvailable before minus after{})\n",
                    spread_text(s.total, r), r > 1 ? fmt::format("; median of {} rounds", r) : std::string());
    out += "    its measured parts, growth per guest:\n";
    if (s.pss)
        out += fmt::format("      sfd and its workers, PSS: {}\n", spread_text(*s.pss, r));
    else
        out += "      sfd and its workers, PSS: not read (not our sfd): left in 'unexplained'\n";
    out += fmt::format("      kernel slab: {}, of which unreclaimable {}", spread_text(s.slab, r),
                       spread_text(s.sunreclaim, r));
    out += s.kvm_slab ? fmt::format(", KVM's own caches {}\n", spread_text(*s.kvm_slab, r))
                      : std::string(", KVM's own caches not read (/proc/slabinfo needs root)\n");
    out += fmt::format("      page tables: {}; KVM's secondary page tables: {}; kernel stacks: {}\n",
                       spread_text(s.page_tables, r), spread_text(s.sec_page_tables, r),
                       spread_text(s.kernel_stack, r));
    out +=
        fmt::format("      vmalloc: {}; per-CPU: {}\n", spread_text(s.vmalloc, r), spread_text(s.percpu, r));
    out += fmt::format("    unexplained (the total minus those parts): {}\n", spread_text(s.unexplained, r));
    return out;
}

} // namespace sf::bench
