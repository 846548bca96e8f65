// sf-bench migrate: gaps and counters; see migrate_gap.h.
#include "bench/migrate/migrate_gap.h"

#include <fmt/format.h>

#include <algorithm>

namespace sf::bench {

std::optional<ReplyGap> largest_gap(std::vector<int64_t> reply_ns, int64_t from_ns, int64_t to_ns,
                                    int64_t observed_until_ns) {
    std::sort(reply_ns.begin(), reply_ns.end());
    if (reply_ns.empty() || reply_ns.front() > from_ns) return std::nullopt;
    std::optional<ReplyGap> best;
    auto consider = [&](const ReplyGap& gap) {
        if (gap.end_ns <= from_ns || gap.start_ns >= to_ns) return; // outside the window
        if (!best || gap.end_ns - gap.start_ns > best->end_ns - best->start_ns) best = gap;
    };
    for (size_t i = 1; i < reply_ns.size(); ++i)
        consider(ReplyGap{reply_ns[i - 1], reply_ns[i], true});
    if (reply_ns.back() <= to_ns)
        consider(ReplyGap{reply_ns.back(), std::max(observed_until_ns, to_ns), false});
    return best;
}

CounterCheck check_counter(const std::vector<uint64_t>& values, std::optional<uint64_t> final_get) {
    CounterCheck check;
    if (values.empty()) {
        check.problem = "no INCR was answered";
        return check;
    }
    check.first = values.front();
    check.last = values.back();
    for (size_t i = 1; i < values.size(); ++i)
        if (values[i] != values[i - 1] + 1) {
            check.problem = fmt::format("reply {} of the connection was {} after {} (expected {})", i + 1,
                                        values[i], values[i - 1], values[i - 1] + 1);
            return check;
        }
    if (!final_get) {
        check.problem = "the final GET was not answered";
        return check;
    }
    if (*final_get != check.last) {
        check.problem = fmt::format("the final GET returned {}, the last INCR {}", *final_get, check.last);
        return check;
    }
    check.continuous = true;
    return check;
}

std::vector<double> round_trips_ms(const std::vector<int64_t>& sent_ns,
                                   const std::vector<uint16_t>& reply_seq,
                                   const std::vector<int64_t>& reply_ns, int64_t before_ns) {
    constexpr size_t kWrap = 65536;
    std::vector<double> out;
    for (size_t j = 0; j < reply_ns.size() && j < reply_seq.size(); ++j) {
        if (reply_ns[j] >= before_ns) continue;
        const size_t base = (static_cast<size_t>(reply_seq[j]) + kWrap - 1) % kWrap;
        if (base >= sent_ns.size()) continue;
        // The latest i = base + m * 65536 sent no later than the reply.
        for (size_t i = base + (sent_ns.size() - 1 - base) / kWrap * kWrap;; i -= kWrap) {
            if (sent_ns[i] <= reply_ns[j]) {
                out.push_back(static_cast<double>(reply_ns[j] - sent_ns[i]) / 1e6);
                break;
            }
            if (i < kWrap) break;
        }
    }
    return out;
}

std::optional<double> median_of(std::vector<double> values) {
    if (values.empty()) return std::nullopt;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace sf::bench
