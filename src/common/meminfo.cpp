// superfluid common: reading MemAvailable.
#include "common/meminfo.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace sf {

Result<uint64_t> parse_mem_available(std::string_view meminfo) {
    constexpr std::string_view kKey = "MemAvailable:";
    size_t at = meminfo.find(kKey);
    if (at == std::string_view::npos) return error("/proc/meminfo has no MemAvailable");
    std::string_view rest = meminfo.substr(at + kKey.size());
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    uint64_t kib = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    std::string_view unit(end, static_cast<size_t>(rest.data() + rest.size() - end));
    if (ec != std::errc() || !unit.starts_with(" kB")) return error("/proc/meminfo: bad MemAvailable");
    return kib * 1024;
}

Result<uint64_t> mem_available() {
    std::ifstream in("/proc/meminfo");
    if (!in) return error("cannot read /proc/meminfo");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_mem_available(text);
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
