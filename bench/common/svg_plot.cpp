// sf-bench: SVG line plot; see svg_plot.h.
#include "bench/common/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace sf::bench {
namespace {

constexpr double kLeft = 70, kRight = 20, kTop = 58, kBottom = 55;

// Maps data coordinates to pixels inside the plot area.
struct Frame {
    double x_max, y_max, width, height;
    double px(double x) const { return kLeft + x / x_max * (width - kLeft - kRight); }
    double py(double y) const { return height - kBottom - y / y_max * (height - kTop - kBottom); }
    size_t columns() const { return static_cast<size_t>(std::max(1.0, width - kLeft - kRight)); }
};

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string tick_label(double value) {
    return fmt::format("{:g}", std::round(value * 1e6) / 1e6);
}

double rounded_up(double value, double step) {
    return std::max(step, std::ceil(value / step - 1e-9) * step);
}

// 0, step, 2 step, ... up to max (computed from an integer count: no drift).
std::vector<double> ticks(double max, double step) {
    std::vector<double> out;
    for (int i = 0; i * step <= max + step / 2 && i <= 100; ++i)
        out.push_back(i * step);
    return out;
}

Frame make_frame(const LinePlot& plot) {
    double x_max = 0, y_max = plot.reference_y.value_or(0);
    for (const PlotSeries& s : plot.series) {
        for (const PlotPoint& p : s.points) {
            x_max = std::max(x_max, p.x);
            y_max = std::max(y_max, p.y);
        }
    }
    if (plot.y_limit && *plot.y_limit > 0) y_max = std::min(y_max, *plot.y_limit);
    x_max = rounded_up(x_max > 0 ? x_max : 1, nice_step(x_max > 0 ? x_max : 1, 8));
    y_max = rounded_up(y_max > 0 ? y_max : 1, nice_step(y_max > 0 ? y_max : 1, 6));
    return Frame{x_max, y_max, static_cast<double>(plot.width), static_cast<double>(plot.height)};
}

void append_axes(std::string& out, const LinePlot& plot, const Frame& f) {
    const double x0 = f.px(0), y0 = f.py(0), x1 = f.px(f.x_max), y1 = f.py(f.y_max);
    fmt::format_to(std::back_inserter(out), "<g stroke=\"#ccc\" stroke-width=\"1\">\n");
    const double y_step = nice_step(f.y_max, 6), x_step = nice_step(f.x_max, 8);
    for (double y : ticks(f.y_max, y_step))
        fmt::format_to(std::back_inserter(out),
                       "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", x0, f.py(y), x1,
                       f.py(y));
    out += "</g>\n<g font-size=\"12\" fill=\"#333\">\n";
    for (double y : ticks(f.y_max, y_step))
        fmt::format_to(std::back_inserter(out),
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", x0 - 6, f.py(y) + 4,
                       tick_label(y));
    for (double x : ticks(f.x_max, x_step))
        fmt::format_to(std::back_inserter(out),
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n"
                       "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>\n",
                       f.px(x), y0 + 18, tick_label(x), f.px(x), y0, f.px(x), y0 + 5);
    fmt::format_to(std::back_inserter(out),
                   "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n"
                   "<text transform=\"translate(18 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n"
                   "</g>\n",
                   (x0 + x1) / 2, f.height - 12, escape(plot.x_label), (y0 + y1) / 2, escape(plot.y_label));
    fmt::format_to(
        std::back_inserter(out),
        "<polyline points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"none\" stroke=\"#333\"/>\n",
        x0, y1, x0, y0, x1, y0);
}

void append_series(std::string& out, const PlotSeries& series, const Frame& f) {
    if (series.points.empty()) return;
    std::vector<PlotPoint> points = downsample(series.points, 0, f.x_max, f.columns(), series.reduce);
    fmt::format_to(std::back_inserter(out),
                   "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" points=\"",
                   escape(series.color), series.stroke_width);
    for (const PlotPoint& p : points)
        fmt::format_to(std::back_inserter(out), "{:.1f},{:.1f} ", f.px(p.x), f.py(std::min(p.y, f.y_max)));
    out += "\"/>\n";
}

void append_legend(std::string& out, const LinePlot& plot, const Frame& f) {
    const size_t entries = plot.series.size() + (plot.reference_y ? 1 : 0);
    if (entries == 0) return;
    fmt::format_to(std::back_inserter(out),
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"290\" height=\"{}\" fill=\"white\" "
                   "fill-opacity=\"0.85\"/>\n",
                   f.width - kRight - 296, kTop + 2, entries * 18 + 4);
    double y = kTop + 14;
    auto entry = [&](const std::string& label, const std::string& color, const char* dash) {
        const double x = f.width - kRight - 290;
        fmt::format_to(std::back_inserter(out),
                       "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                       "stroke-width=\"2\" stroke-dasharray=\"{}\"/>\n"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" fill=\"#333\">{}</text>\n",
                       x, y, x + 24, y, escape(color), dash, x + 30, y + 4, escape(label));
        y += 18;
    };
    for (const PlotSeries& s : plot.series)
        entry(s.label, s.color, "none");
    if (plot.reference_y) entry(plot.reference_label, "#d62728", "6 4");
}

// One point for a column of points (sorted by x).
PlotPoint reduce_column(std::vector<PlotPoint>& column, Reduce reduce) {
    auto by_y = [](const PlotPoint& a, const PlotPoint& b) { return a.y < b.y; };
    if (reduce == Reduce::Max) return *std::max_element(column.begin(), column.end(), by_y);
    const double middle_x = column[column.size() / 2].x;
    auto median = column.begin() + static_cast<std::ptrdiff_t>((column.size() - 1) / 2);
    std::nth_element(column.begin(), median, column.end(), by_y);
    return {middle_x, median->y};
}

} // namespace

double nice_step(double range, int ticks) {
    if (!(range > 0) || ticks < 1) return 1;
    const double raw = range / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

std::vector<PlotPoint> downsample(const std::vector<PlotPoint>& points, double x_min, double x_max,
                                  size_t buckets, Reduce reduce) {
    if (points.size() <= buckets || buckets == 0 || !(x_max > x_min)) return points;
    std::vector<PlotPoint> out, column;
    size_t current = SIZE_MAX;
    for (const PlotPoint& p : points) {
        const double at = (p.x - x_min) / (x_max - x_min) * static_cast<double>(buckets);
        const size_t bucket = static_cast<size_t>(std::clamp(at, 0.0, static_cast<double>(buckets - 1)));
        if (bucket != current && !column.empty()) {
            out.push_back(reduce_column(column, reduce));
            column.clear();
        }
        current = bucket;
        column.push_back(p);
    }
    if (!column.empty()) out.push_back(reduce_column(column, reduce));
    return out;
}

std::string render_svg(const LinePlot& plot) {
    const Frame frame = make_frame(plot);
    std::string out = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"{2}\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">{3}</text>\n"
        "<text x=\"{2}\" y=\"42\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">{4}</text>\n",
        plot.width, plot.height, plot.width / 2, escape(plot.title), escape(plot.note));
    append_axes(out, plot, frame);
    for (const PlotSeries& s : plot.series)
        append_series(out, s, frame);
    if (plot.reference_y && *plot.reference_y <= frame.y_max)
        fmt::format_to(std::back_inserter(out),
                       "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d62728\" "
                       "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                       frame.px(0), frame.py(*plot.reference_y), frame.px(frame.x_max),
                       frame.py(*plot.reference_y));
    append_legend(out, plot, frame);
    out += "</svg>\n";
    return out;
}

} // namespace sf::bench
