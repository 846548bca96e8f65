// superfluid toolstack: MemoryBudget (admission against committed guest memory).
#include "host/memory_budget.h"

#include <cmath>
#include <limits>

namespace sf::host {

namespace {

std::string mib(uint64_t bytes) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

} // namespace

Result<MemoryBudget> MemoryBudget::create(uint64_t mem_total, uint64_t reserve, double overcommit) {
    if (!std::isfinite(overcommit) || overcommit <= 0)
        return error(ErrorKind::InvalidArgument, "the overcommit ratio must be a number > 0, not {}",
                     overcommit);
    const uint64_t usable = mem_total > reserve ? mem_total - reserve : 0;
    const long double limit = std::floor(static_cast<long double>(usable) * overcommit);
    const long double most = static_cast<long double>(std::numeric_limits<uint64_t>::max());
    return MemoryBudget(mem_total, reserve, overcommit,
                        limit >= most ? UINT64_MAX : static_cast<uint64_t>(limit));
}

Result<void> MemoryBudget::admit(uint64_t committed, uint64_t size) const {
    if (committed <= limit_ && size <= limit_ - committed) return ok();
    return error(ErrorKind::ResourceExhausted,
                 "not enough host memory for {} more: live guests have {} of the {} committable "
                 "((MemTotal {} - reserve {}) x overcommit {})",
                 mib(size), mib(committed), mib(limit_), mib(mem_total_), mib(reserve_), overcommit_);
}

} // namespace sf::host
