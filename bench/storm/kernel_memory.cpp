// sf-bench: the kernel's memory in /proc; see kernel_memory.h.
#include "bench/storm/kernel_memory.h"

#include "common/meminfo.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sf::bench {
namespace {

uint64_t optional_field(std::string_view meminfo, std::string_view name) {
    auto value = parse_meminfo_field(meminfo, name);
    return value ? *value : 0;
}

} // namespace

Result<KernelMemory> parse_kernel_memory(std::string_view meminfo) {
    KernelMemory m;
    SF_TRY_ASSIGN(m.mem_available, parse_meminfo_field(meminfo, "MemAvailable"));
    SF_TRY_ASSIGN(m.slab, parse_meminfo_field(meminfo, "Slab"));
    SF_TRY_ASSIGN(m.sunreclaim, parse_meminfo_field(meminfo, "SUnreclaim"));
    SF_TRY_ASSIGN(m.page_tables, parse_meminfo_field(meminfo, "PageTables"));
    SF_TRY_ASSIGN(m.kernel_stack, parse_meminfo_field(meminfo, "KernelStack"));
    m.sec_page_tables = optional_field(meminfo, "SecPageTables");
    m.vmalloc_used = optional_field(meminfo, "VmallocUsed");
    m.percpu = optional_field(meminfo, "Percpu");
    return m;
}

Result<KernelMemory> read_kernel_memory() {
    SF_TRY_ASSIGN(const std::string text, read_meminfo());
    return parse_kernel_memory(text);
}

Result<uint64_t> parse_kvm_slab(std::string_view slabinfo, uint64_t page_size) {
    std::istringstream in{std::string(slabinfo)};
    std::string line;
    if (!std::getline(in, line) || !line.starts_with("slabinfo - version: 2."))
        return error("slabinfo: not a version 2 slabinfo");
    uint64_t bytes = 0;
    while (std::getline(in, line)) {
        if (!line.starts_with("kvm")) continue;
        // name active_objs num_objs objsize objperslab pagesperslab : tunables l b s : slabdata active num
        // shared
        std::istringstream fields(line);
        std::string name, colon1, tunables, colon2, slabdata;
        uint64_t active = 0, objs = 0, size = 0, per_slab = 0, pages = 0, t1 = 0, t2 = 0, t3 = 0;
        uint64_t active_slabs = 0, num_slabs = 0;
        fields >> name >> active >> objs >> size >> per_slab >> pages >> colon1 >> tunables >> t1 >> t2 >>
            t3 >> colon2 >> slabdata >> active_slabs >> num_slabs;
        if (!fields || colon1 != ":" || slabdata != "slabdata")
            return error("slabinfo: bad line for {}", name);
        bytes += num_slabs * pages * page_size;
    }
    return bytes;
}

std::optional<uint64_t> read_kvm_slab() {
    std::ifstream in("/proc/slabinfo");
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return std::nullopt;
    auto bytes = parse_kvm_slab(text.str(), static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
    return bytes ? std::optional<uint64_t>(*bytes) : std::nullopt;
}

} // namespace sf::bench
