// sf-bench storm: the creation time of the n-th guest as a plot (the paper's
// Figure 2), built from the samples of one storm.
#pragma once

#include "bench/common/svg_plot.h"
#include "bench/storm/storm_summary.h"

#include <string>
#include <vector>

namespace sf::bench {

// Client-side times (the largest and the median of each pixel column), sfd's
// first_output_ms (median of each column) and the overall median, dashed. The
// y axis stops at max(4 x median, 1.5 x p99) so that a few spikes do not
// flatten the curve; the note says how many samples lie above and the maximum.
LinePlot storm_plot(const std::vector<StormSample>& samples, const StormSummary& summary,
                    const std::string& date);

} // namespace sf::bench
