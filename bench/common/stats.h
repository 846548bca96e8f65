// sf-bench: summaries of timing samples.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

namespace sf::bench {

struct Summary {
    double median = 0, p90 = 0, p99 = 0, min = 0, max = 0;
};

// Nearest-rank percentiles of the samples (any order). Empty: all zero.
Summary summarize(std::vector<double> samples);
// The nearest-rank `fraction` percentile (0 < fraction <= 1) of samples
// sorted in ascending order: the smallest sample with at least that share of
// the samples at or below it. Empty: 0.
double nearest_rank(const std::vector<double>& sorted, double fraction);
nlohmann::json to_json(const Summary& summary);

} // namespace sf::bench
