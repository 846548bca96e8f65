// sf-bench: /proc readers; see host_stats.h.
#include "bench/storm/host_stats.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace sf::bench {
namespace {

Result<std::string> read_text(const char* path) {
    std::ifstream in(path);
    if (!in) return error("cannot read {}", path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The line of `text` that starts with `prefix`, without the prefix; empty if none.
std::string_view line_after(std::string_view text, std::string_view prefix) {
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(at, end - at);
        if (line.starts_with(prefix)) return line.substr(prefix.size());
        at = end + 1;
    }
    return {};
}

// Parses the next unsigned decimal after blanks; advances `text` past it.
bool next_number(std::string_view& text, uint64_t& value) {
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    auto [end, ec] = std::from_chars(text.data() + start, text.data() + text.size(), value);
    if (ec != std::errc{}) return false;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    return true;
}

// The direct children of `pid`, over all its threads.
std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
        std::ifstream in(task.path() / "children");
        for (pid_t child; in >> child;)
            out.push_back(child);
    }
    return out;
}

} // namespace

Result<CpuTimes> parse_cpu_times(std::string_view stat) {
    std::string_view rest = line_after(stat, "cpu ");
    // user nice system idle iowait irq softirq steal
    std::array<uint64_t, 8> fields{};
    for (size_t i = 0; i < fields.size(); ++i) {
        // Kernels before 2.6.11 have no steal field: the first four are enough.
        if (!next_number(rest, fields[i]) && i < 4) return error("/proc/stat: no valid aggregate cpu line");
    }
    CpuTimes times;
    times.idle = fields[3] + fields[4];
    for (uint64_t field : fields)
        times.total += field;
    return times;
}

Result<CpuTimes> read_cpu_times() {
    SF_TRY_ASSIGN(std::string text, read_text("/proc/stat"));
    return parse_cpu_times(text);
}

Result<uint64_t> parse_process_cpu_ticks(std::string_view stat) {
    // "PID (comm) state ..." where comm may hold spaces and parentheses:
    // fields after the last ')' start at field 3 (state); utime and stime are fields 14 and 15.
    const size_t close = stat.rfind(')');
    if (close == std::string_view::npos) return error("/proc/PID/stat: no command name");
    std::string_view rest = stat.substr(close + 1);
    for (int field = 3; field < 14; ++field) {
        size_t start = rest.find_first_not_of(' ');
        size_t end = start == std::string_view::npos ? start : rest.find(' ', start);
        if (end == std::string_view::npos) return error("/proc/PID/stat: too few fields");
        rest.remove_prefix(end);
    }
    uint64_t utime = 0, stime = 0;
    if (!next_number(rest, utime) || !next_number(rest, stime))
        return error("/proc/PID/stat: bad utime/stime");
    return utime + stime;
}

Result<uint64_t> parse_pss(std::string_view smaps_rollup) {
    std::string_view rest = line_after(smaps_rollup, "Pss:");
    uint64_t kib = 0;
    if (!next_number(rest, kib)) return error("smaps_rollup: no Pss line");
    return kib * 1024;
}

Result<TreeUsage> read_tree_usage(pid_t root) {
    TreeUsage usage;
    std::vector<pid_t> pending{root};
    while (!pending.empty()) {
        const pid_t pid = pending.back();
        pending.pop_back();
        auto stat = read_text(fmt::format("/proc/{}/stat", pid).c_str());
        auto rollup = read_text(fmt::format("/proc/{}/smaps_rollup", pid).c_str());
        if (!stat || !rollup) continue; // gone meanwhile
        SF_TRY_ASSIGN(uint64_t ticks, parse_process_cpu_ticks(*stat));
        SF_TRY_ASSIGN(uint64_t pss, parse_pss(*rollup));
        usage.cpu_ticks += ticks;
        usage.pss += pss;
        ++usage.processes;
        for (pid_t child : children_of(pid))
            pending.push_back(child);
    }
    if (usage.processes == 0) return error("process {} is gone", root);
    return usage;
}

double tree_cpu_pct(const TreeUsage& before, const TreeUsage& after, double seconds) {
    if (seconds <= 0 || after.cpu_ticks <= before.cpu_ticks) return 0.0;
    return static_cast<double>(after.cpu_ticks - before.cpu_ticks) * tree_tick_pct(seconds);
}

double tree_tick_pct(double seconds) {
    const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double cpus = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
    return seconds > 0 ? 100.0 / ticks_per_s / seconds / cpus : 0.0;
}

double cpu_tick_pct(const CpuTimes& before, const CpuTimes& after) {
    return after.total > before.total ? 100.0 / static_cast<double>(after.total - before.total) : 0.0;
}

double cpu_use_pct(const CpuTimes& before, const CpuTimes& after) {
    if (after.total <= before.total) return 0.0;
    const double total = static_cast<double>(after.total - before.total);
    const double idle = static_cast<double>(after.idle >= before.idle ? after.idle - before.idle : 0);
    const double pct = 100.0 * (1.0 - idle / total);
    return pct < 0.0 ? 0.0 : pct;
}

} // namespace sf::bench
