// superfluid common: reading MemAvailable.
#include "common/meminfo.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace sf {

namespace {

// Bytes of the field `name` ("MemTotal"), given in kB at the start of a line.
Result<uint64_t> parse_field(std::string_view meminfo, std::string_view name) {
    const std::string key = std::string(name) + ":";
    size_t at = meminfo.find(key);
    while (at != std::string_view::npos && at > 0 && meminfo[at - 1] != '\n')
        at = meminfo.find(key, at + 1);
    if (at == std::string_view::npos) return error("/proc/meminfo has no {}", name);
    std::string_view rest = meminfo.substr(at + key.size());
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    uint64_t kib = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    std::string_view unit(end, static_cast<size_t>(rest.data() + rest.size() - end));
    if (ec != std::errc() || !unit.starts_with(" kB")) return error("/proc/meminfo: bad {}", name);
    return kib * 1024;
}

} // namespace

Result<uint64_t> parse_meminfo_field(std::string_view meminfo, std::string_view name) {
    return parse_field(meminfo, name);
}

Result<std::string> read_meminfo() {
    std::ifstream in("/proc/meminfo");
    if (!in) return error("cannot read /proc/meminfo");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<uint64_t> parse_mem_available(std::string_view meminfo) {
    return parse_field(meminfo, "MemAvailable");
}
Result<uint64_t> parse_mem_total(std::string_view meminfo) {
    return parse_field(meminfo, "MemTotal");
}

Result<uint64_t> mem_available() {
    SF_TRY_ASSIGN(const std::string text, read_meminfo());
    return parse_mem_available(text);
}

Result<uint64_t> mem_total() {
    SF_TRY_ASSIGN(const std::string text, read_meminfo());
    return parse_mem_total(text);
}

Result<uint64_t> MemoryGauge::available() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (read_at_ == std::chrono::steady_clock::time_point{} || now - read_at_ >= max_age_) {
        last_ = mem_available();
        read_at_ = now;
    }
    return last_;
}

} // namespace sf
