// sf-bench: readers of host-wide figures in /proc (memory, CPU time).
//
// The parsers take the file's text so tests can feed them samples; the
// readers open the real files. Both fail with a one-line Error.
#pragma once

#include "common/result.h"

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace sf::bench {

// Aggregate CPU time of all CPUs from the "cpu " line of /proc/stat, in
// clock ticks. `idle` counts idle and iowait; `total` counts user, nice,
// system, idle, iowait, irq, softirq and steal (guest time is already part
// of user and nice).
struct CpuTimes {
    uint64_t idle = 0;
    uint64_t total = 0;
};
Result<CpuTimes> parse_cpu_times(std::string_view stat);
Result<CpuTimes> read_cpu_times();

// Host CPU use between two readings, in percent of all CPUs: 100 * (1 -
// idle delta / total delta). 0 when no time passed.
double cpu_use_pct(const CpuTimes& before, const CpuTimes& after);
// What one clock tick is of that figure: the finest step it can show, in
// percent (100 / total delta). 0 when no time passed.
double cpu_tick_pct(const CpuTimes& before, const CpuTimes& after);

// user + system time of one process from its /proc/PID/stat, in clock ticks.
Result<uint64_t> parse_process_cpu_ticks(std::string_view stat);
// Pss from /proc/PID/smaps_rollup, in bytes.
Result<uint64_t> parse_pss(std::string_view smaps_rollup);

// A process and its descendants (sfd and its workers): their CPU time (clock
// ticks) and proportional set size (bytes), summed. Processes that vanish
// while being read are skipped.
struct TreeUsage {
    uint64_t cpu_ticks = 0;
    uint64_t pss = 0;
    size_t processes = 0;
};
Result<TreeUsage> read_tree_usage(pid_t root);
// The CPU time of a process tree between two readings, in percent of all CPUs
// (comparable with cpu_use_pct).
double tree_cpu_pct(const TreeUsage& before, const TreeUsage& after, double seconds);
// What one clock tick is of tree_cpu_pct over `seconds`, in percent. 0 if no time passed.
double tree_tick_pct(double seconds);

} // namespace sf::bench
