// sf-bench storm: the plot; see storm_plot.h.
#include "bench/storm/storm_plot.h"

#include <fmt/format.h>

#include <algorithm>

namespace sf::bench {
namespace {

std::string clipping_note(const std::vector<StormSample>& samples, double limit, double max_ms) {
    size_t above = 0;
    for (const StormSample& s : samples)
        if (s.created && s.client_ms > limit) ++above;
    if (above == 0) return "time from sending the create request to the guest's first console output";
    return fmt::format("time from the create request to the guest's first console output; {} guest{} above "
                       "{:.3g} ms drawn at the top edge (max {:.1f} ms)",
                       above, above == 1 ? "" : "s", limit, max_ms);
}

} // namespace

LinePlot storm_plot(const std::vector<StormSample>& samples, const StormSummary& summary,
                    const std::string& date) {
    PlotSeries peak{"client side: max per pixel column", "#9ecae1", {}, Reduce::Max, 1.0};
    PlotSeries typical{"client side: median per pixel column", "#1f77b4", {}, Reduce::Median, 1.6};
    PlotSeries server{"sfd first_output_ms: median per column", "#ff7f0e", {}, Reduce::Median, 1.2};
    for (size_t i = 0; i < samples.size(); ++i) {
        if (!samples[i].created) continue;
        const double x = static_cast<double>(i + 1);
        peak.points.push_back({x, samples[i].client_ms});
        if (samples[i].server_ms) server.points.push_back({x, *samples[i].server_ms});
    }
    typical.points = peak.points;
    LinePlot plot;
    plot.title = fmt::format("Boot storm: creation time of the n-th guest, N = {} ({})", summary.n, date);
    plot.x_label = "guest number";
    plot.y_label = "creation time (ms)";
    plot.series = {std::move(peak), std::move(typical)};
    if (!server.points.empty()) plot.series.push_back(std::move(server));
    plot.reference_y = summary.median_ms;
    plot.reference_label = fmt::format("median of all: {:.3f} ms", summary.median_ms);
    plot.y_limit = std::max(4 * summary.median_ms, 1.5 * summary.p99_ms);
    plot.note = clipping_note(samples, *plot.y_limit, summary.max_ms);
    return plot;
}

} // namespace sf::bench
