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
nlohmann::json to_json(const Summary& summary);

} // namespace sf::bench
