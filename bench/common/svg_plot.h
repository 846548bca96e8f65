// sf-bench: a line plot written as a small standalone SVG (no library).
//
// Used for the boot storm's "creation time of the n-th guest" figure. Each
// series is reduced to at most one point per pixel column (the largest or the
// median y of that column), so the file stays small whatever the number of
// samples.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sf::bench {

struct PlotPoint {
    double x = 0;
    double y = 0;
};

// How a series is reduced to one point per pixel column.
enum class Reduce { Max, Median };

struct PlotSeries {
    std::string label;
    std::string color;             // any SVG colour, e.g. "#1f77b4"
    std::vector<PlotPoint> points; // sorted by x
    Reduce reduce = Reduce::Max;
    double stroke_width = 1.2;
};

struct LinePlot {
    std::string title;
    std::string note; // a smaller line under the title; may be empty
    std::string x_label;
    std::string y_label;
    std::vector<PlotSeries> series;
    std::optional<double> reference_y; // drawn as a dashed horizontal line
    std::string reference_label;
    // Upper end of the y axis (then rounded up to a tick); larger values are
    // drawn at the top edge (say so in `note`). None: the largest value.
    std::optional<double> y_limit;
    int width = 800; // pixels, whole image
    int height = 450;
};

// The plot as a complete SVG document. Axes start at 0; the upper ends are
// rounded up to a tick. Empty series draw only the axes.
std::string render_svg(const LinePlot& plot);

// The points reduced to at most `buckets` points: [x_min, x_max] is cut into
// `buckets` equal columns and each non-empty column keeps one point: its
// point with the largest y (Max), or its median y at its middle point's x
// (Median). Output sorted by x; unchanged when there are no more points than
// buckets.
std::vector<PlotPoint> downsample(const std::vector<PlotPoint>& points, double x_min, double x_max,
                                  size_t buckets, Reduce reduce);

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `ticks`
// ticks over [0, range].
double nice_step(double range, int ticks);

} // namespace sf::bench
