// sf-bench: percentiles.
#include "bench/common/stats.h"

#include <algorithm>
#include <cmath>

namespace sf::bench {

double nearest_rank(const std::vector<double>& sorted, double fraction) {
    if (sorted.empty()) return 0;
    // A small tolerance, so that 0.999 x 1000 is rank 999 and not 1000 by rounding.
    const double position = fraction * static_cast<double>(sorted.size()) - 1e-9;
    size_t index = static_cast<size_t>(std::ceil(position));
    return sorted[std::clamp<size_t>(index, 1, sorted.size()) - 1];
}

Summary summarize(std::vector<double> samples) {
    if (samples.empty()) return {};
    std::sort(samples.begin(), samples.end());
    return Summary{nearest_rank(samples, 0.5), nearest_rank(samples, 0.9), nearest_rank(samples, 0.99),
                   samples.front(), samples.back()};
}

nlohmann::json to_json(const Summary& s) {
    auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
    return {{"median", round3(s.median)},
            {"p90", round3(s.p90)},
            {"p99", round3(s.p99)},
            {"min", round3(s.min)},
            {"max", round3(s.max)}};
}

} // namespace sf::bench
