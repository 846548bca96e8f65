// superfluid common: the host's available and total memory (MemAvailable and
// MemTotal of /proc/meminfo), for sfd's memory reserve and committed-memory
// budget and sf-bench's memory per guest.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace sf {

// Bytes of MemAvailable in a /proc/meminfo text.
Result<uint64_t> parse_mem_available(std::string_view meminfo);
// Bytes of MemTotal in a /proc/meminfo text.
Result<uint64_t> parse_mem_total(std::string_view meminfo);
// Bytes of any field given in kB ("Slab", "PageTables") in a /proc/meminfo text.
Result<uint64_t> parse_meminfo_field(std::string_view meminfo, std::string_view name);
// The text of /proc/meminfo.
Result<std::string> read_meminfo();
// Read /proc/meminfo.
Result<uint64_t> mem_available();
Result<uint64_t> mem_total();

// mem_available(), read at most once per `max_age` (a create must not pay for
// reading /proc/meminfo each time). Thread-safe.
class MemoryGauge {
  public:
    explicit MemoryGauge(std::chrono::milliseconds max_age = std::chrono::milliseconds(50))
        : max_age_(max_age) {}
    Result<uint64_t> available();

  private:
    std::chrono::milliseconds max_age_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point read_at_{};
    Result<uint64_t> last_ = uint64_t{0};
};

} // namespace sf
