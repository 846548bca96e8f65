// sf-bench migrate: the plot; see migrate_plot.h.
#include "bench/migrate/migrate_plot.h"

#include <fmt/format.h>

#include <cmath>

namespace sf::bench {

LinePlot migrate_plot(const std::string& rate, const std::vector<MigrateRowSummary>& rows,
                      const std::string& date) {
    PlotSeries total{"total_ms (client: request to reply), median", "#1f77b4", {}, Reduce::Median, 2.0};
    PlotSeries downtime{"downtime_ms (largest ping gap), median", "#ff7f0e", {}, Reduce::Median, 2.0};
    PlotSeries server{"sfd's own downtime_ms, median", "#2ca02c", {}, Reduce::Median, 1.2};
    for (const MigrateRowSummary& r : rows) {
        const double x = std::log10(static_cast<double>(std::max(r.guests_on_source, 1)));
        if (r.total_ms) total.points.push_back({x, *r.total_ms});
        if (r.downtime_ms) downtime.points.push_back({x, *r.downtime_ms});
        if (r.server_downtime_ms && *r.server_downtime_ms > 0)
            server.points.push_back({x, *r.server_downtime_ms});
    }
    LinePlot plot;
    plot.title = fmt::format("Live migration of a guest with a NIC at {} ({})", rate, date);
    plot.note =
        "kvcount guest, pinged every 0.2 ms and counting over one TCP connection during the migration";
    plot.x_label = "guests resident on the source, log10 (0 = 1, 1 = 10, 2 = 100, 3 = 1,000)";
    plot.y_label = "time (ms)";
    plot.series = {std::move(total), std::move(downtime), std::move(server)};
    if (rate == "10gbit" || rate == "1gbit") {
        plot.reference_y = rate == "10gbit" ? 10.0 : 40.0;
        plot.reference_label = fmt::format("target: total_ms <= {:g}", *plot.reference_y);
    }
    return plot;
}

} // namespace sf::bench
