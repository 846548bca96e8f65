// sf-bench migrate: the plot of total_ms and downtime_ms against the number
// of guests resident on the source (x on a log10 scale: 0 = 1 guest,
// 3 = 1,000), with the total_ms target as the reference line.
#pragma once

#include "bench/common/svg_plot.h"
#include "bench/migrate/migrate_summary.h"

#include <string>
#include <vector>

namespace sf::bench {

LinePlot migrate_plot(const std::string& rate, const std::vector<MigrateRowSummary>& rows,
                      const std::string& date);

} // namespace sf::bench
