// Unit tests of sf-bench storm's parts that need no daemon: the /proc
// parsers, the storm summary math and JSON, and the SVG plot writer.
#include "bench/common/svg_plot.h"
#include "bench/storm/host_stats.h"
#include "bench/storm/storm_plot.h"
#include "bench/storm/storm_summary.h"
#include "common/meminfo.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

namespace sf::bench {
namespace {

constexpr const char* kMeminfo = "MemTotal:       24563740 kB\n"
                                 "MemFree:        22988344 kB\n"
                                 "MemAvailable:   23520112 kB\n"
                                 "Buffers:           61760 kB\n";

constexpr const char* kStat = "cpu  1000 20 300 50000 400 10 5 7 0 0\n"
                              "cpu0 500 10 150 25000 200 5 2 3 0 0\n"
                              "intr 12345\n";

TEST(HostStats, MemAvailableInBytes) {
    auto bytes = parse_mem_available(kMeminfo);
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_EQ(*bytes, 23520112ull * 1024);
}

TEST(HostStats, MemAvailableMissing) {
    EXPECT_FALSE(parse_mem_available("MemTotal: 1 kB\nMemFree: 1 kB\n"));
    EXPECT_FALSE(parse_mem_available("MemAvailable: lots\n"));
}

TEST(HostStats, CpuTimesCountIowaitAsIdle) {
    auto times = parse_cpu_times(kStat);
    ASSERT_TRUE(times) << times.error().message;
    EXPECT_EQ(times->idle, 50000u + 400u);
    EXPECT_EQ(times->total, 1000u + 20 + 300 + 50000 + 400 + 10 + 5 + 7); // guest fields not added again
}

TEST(HostStats, CpuTimesOldKernelAndGarbage) {
    auto old = parse_cpu_times("cpu  1 2 3 4\n");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->total, 10u);
    EXPECT_FALSE(parse_cpu_times("cpu0 1 2 3 4\n")); // no aggregate line
    EXPECT_FALSE(parse_cpu_times("cpu  1 2\n"));
}

TEST(HostStats, ProcessCpuTicksAndPss) {
    // comm with a space and a parenthesis; utime 1234, stime 56 (fields 14, 15).
    const char* stat =
        "4242 (sf worker) 0) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 3 0 99 1 2 3\n";
    auto ticks = parse_process_cpu_ticks(stat);
    ASSERT_TRUE(ticks) << ticks.error().message;
    EXPECT_EQ(*ticks, 1290u);
    EXPECT_FALSE(parse_process_cpu_ticks("4242 (x) S 1 2\n"));
    auto pss = parse_pss(
        "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss: 2048 kB\nPss: 1536 kB\nPss_Anon: 1000 kB\n");
    ASSERT_TRUE(pss);
    EXPECT_EQ(*pss, 1536u * 1024);
}

TEST(HostStats, OwnProcessTree) {
    auto usage = read_tree_usage(::getpid());
    ASSERT_TRUE(usage) << usage.error().message;
    EXPECT_GE(usage->processes, 1u);
    EXPECT_GT(usage->pss, 0u);
}

TEST(HostStats, CpuUsePercent) {
    EXPECT_DOUBLE_EQ(cpu_use_pct({900, 1000}, {1800, 2000}), 10.0);
    EXPECT_DOUBLE_EQ(cpu_use_pct({900, 1000}, {900, 1000}), 0.0); // no time passed
    EXPECT_DOUBLE_EQ(cpu_use_pct({0, 0}, {100, 100}), 0.0);
    EXPECT_DOUBLE_EQ(cpu_use_pct({0, 0}, {0, 100}), 100.0);
}

// One round of `created` guests with MemAvailable going from `before` to `after`.
StormReadings readings_of(double total_s, uint64_t before, uint64_t after, double cpu, size_t created) {
    StormReadings readings;
    readings.total_s = total_s;
    MemoryRound round;
    round.before.kernel.mem_available = before;
    round.after.kernel.mem_available = after;
    round.created = created;
    readings.memory.push_back(round);
    readings.idle_cpu_pct = cpu;
    return readings;
}

std::vector<StormSample> samples_of(const std::vector<double>& ms) {
    std::vector<StormSample> out;
    for (double v : ms)
        out.push_back({true, v, v / 2, out.size() + 1});
    return out;
}

TEST(StormSummary, Figures) {
    std::vector<double> ms;
    for (int i = 1; i <= 100; ++i)
        ms.push_back(i); // 1..100 ms
    ms[0] = 5;           // guest 1
    ms[99] = 7;          // guest 100
    ms[50] = 250;        // a spike
    StormReadings readings = readings_of(2.5, 1000ull << 20, (1000ull << 20) - 100 * 512 * 1024, 1.25, 100);
    StormSummary s = summarize_storm(samples_of(ms), readings);
    EXPECT_EQ(s.n, 100u);
    EXPECT_EQ(s.created, 100u);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_DOUBLE_EQ(s.first_ms, 5);
    EXPECT_DOUBLE_EQ(s.last_ms, 7);
    EXPECT_DOUBLE_EQ(s.max_ms, 250);
    EXPECT_DOUBLE_EQ(s.median_ms, 49); // nearest rank 50 of 2,3,4,5,5,6,7,7,8,...
    EXPECT_DOUBLE_EQ(s.p99_ms, 99);
    EXPECT_DOUBLE_EQ(s.mem_per_guest_kib, 512);
    EXPECT_DOUBLE_EQ(s.idle_cpu_pct, 1.25);
    EXPECT_DOUBLE_EQ(s.total_s, 2.5);
    EXPECT_DOUBLE_EQ(s.server_median_ms, 24.5);
    readings.destroy_s = 0.5;
    readings.idle_cpu_pct_before = 0.75;
    readings.sfd_cpu_pct = 0.25;
    const nlohmann::json j = to_json(summarize_storm(samples_of(ms), readings));
    EXPECT_DOUBLE_EQ(j["idle_cpu_pct_before"].get<double>(), 0.75);
    EXPECT_DOUBLE_EQ(j["sfd_cpu_pct"].get<double>(), 0.25);
    EXPECT_NE(format_text(summarize_storm(samples_of(ms), readings), true)
                  .find("the same window before the creates (sfd up, no guest): 0.75"),
              std::string::npos);
    EXPECT_DOUBLE_EQ(j["destroy_s"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(j["destroy_ms_per_guest"].get<double>(), 5); // 0.5 s over 100 created
}

TEST(StormSummary, FailuresUseCreatedCountAndEnds) {
    std::vector<StormSample> samples = samples_of({3, 4, 5, 6});
    samples[0] = {};                                                        // guest 1 failed
    samples[3] = {};                                                        // guest 4 failed
    StormReadings readings = readings_of(1, 10ull << 20, 9ull << 20, 0, 2); // 1 MiB used by 2 guests
    StormSummary s = summarize_storm(samples, readings);
    EXPECT_EQ(s.created, 2u);
    EXPECT_EQ(s.failed, 2u);
    EXPECT_DOUBLE_EQ(s.first_ms, 4); // lowest guest number created
    EXPECT_DOUBLE_EQ(s.last_ms, 5);  // highest guest number created
    EXPECT_DOUBLE_EQ(s.mem_per_guest_kib, 512);
    EXPECT_FALSE(meets_targets(s));
}

TEST(StormSummary, DaemonFigures) {
    StormReadings readings = readings_of(1, 4 << 20, 3 << 20, 0.5, 4);
    readings.memory[0].before.tree_pss = 10 << 20;
    readings.memory[0].after.tree_pss = (10 << 20) + 4 * 100 * 1024;
    readings.sfd_cpu_pct = 0.25;
    StormSummary s = summarize_storm(samples_of({1, 1, 1, 1}), readings);
    ASSERT_TRUE(s.memory.pss);
    EXPECT_DOUBLE_EQ(s.memory.pss->median, 100);
    EXPECT_NE(format_text(s).find("sfd and its workers alone: 0.25 %"), std::string::npos) << format_text(s);
    EXPECT_NE(format_text(s).find("sfd and its workers, PSS: 100.0 KiB"), std::string::npos)
        << format_text(s);
    EXPECT_EQ(to_json(s).size(), 32u);
    EXPECT_DOUBLE_EQ(to_json(s)["sfd_cpu_pct"].get<double>(), 0.25);
    EXPECT_DOUBLE_EQ(to_json(s)["sfd_pss_kib_per_guest"].get<double>(), 100);
}

TEST(StormSummary, CpuUnderOneClockTickIsShownAsSuch) {
    StormReadings readings = readings_of(1, 4 << 20, 3 << 20, 0.0, 2);
    readings.idle_cpu_tick_pct = 0.05; // 2 CPUs, 100 ticks/s, 10 s
    readings.sfd_cpu_pct = 0.25;
    readings.sfd_cpu_tick_pct = 0.05;
    StormSummary s = summarize_storm(samples_of({1, 1}), readings);
    const std::string text = format_text(s);
    EXPECT_NE(text.find("host CPU use with all guests idle: < 0.05 % (under one clock tick)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sfd and its workers alone: 0.25 % (one tick: 0.05 %)"), std::string::npos) << text;
    EXPECT_DOUBLE_EQ(to_json(s)["idle_cpu_tick_pct"].get<double>(), 0.05);
}

TEST(HostStats, OneClockTickOfAWindow) {
    EXPECT_DOUBLE_EQ(cpu_tick_pct({0, 1000}, {0, 3000}), 0.05); // 2000 ticks passed
    EXPECT_DOUBLE_EQ(cpu_tick_pct({0, 1000}, {0, 1000}), 0.0);
    EXPECT_GT(tree_tick_pct(1.0), 0.0);
    EXPECT_DOUBLE_EQ(tree_tick_pct(0.0), 0.0);
}

TEST(StormSummary, NothingCreated) {
    StormSummary s = summarize_storm(std::vector<StormSample>(3), StormReadings{});
    EXPECT_EQ(s.failed, 3u);
    EXPECT_DOUBLE_EQ(s.median_ms, 0);
    EXPECT_DOUBLE_EQ(s.mem_per_guest_kib, 0);
}

TEST(StormSummary, JsonHasExactlyTheKeysAsNumbers) {
    StormSummary s = summarize_storm(samples_of({1.23456, 2}), readings_of(1, 4 << 20, 3 << 20, 0.5, 2));
    nlohmann::json j = to_json(s);
    const std::vector<std::string> keys{"n",
                                        "created",
                                        "failed",
                                        "first_ms",
                                        "median_ms",
                                        "p99_ms",
                                        "last_ms",
                                        "max_ms",
                                        "total_s",
                                        "destroy_s",
                                        "destroy_ms_per_guest",
                                        "idle_cpu_pct",
                                        "idle_cpu_tick_pct",
                                        "later_rounds_failed",
                                        "mem_per_guest_kib",
                                        "mem_per_guest_kib_min",
                                        "mem_per_guest_kib_max",
                                        "memory_rounds",
                                        "slab_kib_per_guest",
                                        "sunreclaim_kib_per_guest",
                                        "page_tables_kib_per_guest",
                                        "sec_page_tables_kib_per_guest",
                                        "kernel_stack_kib_per_guest",
                                        "vmalloc_kib_per_guest",
                                        "percpu_kib_per_guest",
                                        "unexplained_kib_per_guest",
                                        "unexplained_kib_per_guest_min",
                                        "unexplained_kib_per_guest_max"};
    const std::vector<std::string> nullable{"sfd_pss_kib_per_guest", "kvm_slab_kib_per_guest",
                                            "idle_cpu_pct_before", "sfd_cpu_pct"};
    EXPECT_EQ(j.size(), keys.size() + nullable.size());
    for (const std::string& key : keys) {
        ASSERT_TRUE(j.contains(key)) << key;
        EXPECT_TRUE(j[key].is_number()) << key;
    }
    for (const std::string& key : nullable) {
        ASSERT_TRUE(j.contains(key)) << key;
        EXPECT_TRUE(j[key].is_null()) << key; // not read in this sample
    }
    EXPECT_DOUBLE_EQ(j["first_ms"].get<double>(), 1.235);
    EXPECT_EQ(j["n"].get<int>(), 2);
}

TEST(StormSummary, StoreReadingFromHost) {
    auto r = parse_store_reading(nlohmann::json::parse(
        R"({"workers": 4, "store": {"backend": "mem", "records_written": 12, "record_ms_mean": 0.05,
            "nodes": 200, "watches": 0, "commits": 12, "conflicts": 0}})"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->backend, "mem");
    EXPECT_EQ(r->records_written, 12u);
    EXPECT_DOUBLE_EQ(r->record_ms_mean, 0.05);
    auto none = parse_store_reading(nlohmann::json::parse(R"({"store": {"backend": "none"}})"));
    ASSERT_TRUE(none);
    EXPECT_EQ(none->backend, "none");
    EXPECT_EQ(none->records_written, 0u);
    EXPECT_FALSE(parse_store_reading(nlohmann::json::parse(R"({"workers": 4})"))); // an older sfd
    EXPECT_FALSE(parse_store_reading(nlohmann::json::parse(R"({"store": {"backend": 1}})")));
    EXPECT_FALSE(parse_store_reading(
        nlohmann::json::parse(R"({"store": {"backend": "mem", "record_ms_mean": "x"}})")));
    EXPECT_FALSE(parse_store_reading(nlohmann::json::parse(R"([1])")));
}

TEST(StormSummary, StoreShareOverTheStormsRecords) {
    StormReadings readings = readings_of(1, 4 << 20, 3 << 20, 0.5, 4);
    readings.store_before = StoreReading{"mem", 10, 1.0}; // 10 ms before the storm
    readings.store_after = StoreReading{"mem", 14, 0.75}; // 10.5 ms: 4 records of 0.125 ms
    StormSummary s = summarize_storm(samples_of({1, 2, 2, 3}), readings);
    ASSERT_TRUE(s.store);
    EXPECT_EQ(s.store->records, 4u);
    EXPECT_DOUBLE_EQ(s.store->record_ms_mean, 0.125);
    EXPECT_DOUBLE_EQ(s.store->share, 0.0625); // of the median, 2 ms
    nlohmann::json j = to_json(s);
    EXPECT_EQ(j.size(), 35u); // 32 and the store's 3
    EXPECT_EQ(j["store_backend"], "mem");
    EXPECT_DOUBLE_EQ(j["store_record_ms_mean"].get<double>(), 0.125);
    EXPECT_DOUBLE_EQ(j["store_share"].get<double>(), 0.0625);
    EXPECT_NE(format_text(s).find("store_share 6.25 %"), std::string::npos) << format_text(s);
    EXPECT_NE(format_text(s).find("(target <= 10 %: ok)"), std::string::npos) << format_text(s);

    readings.store_before.reset(); // read only after: sfd's mean since it started
    s = summarize_storm(samples_of({1, 2, 2, 3}), readings);
    EXPECT_EQ(s.store->records, 14u);
    EXPECT_DOUBLE_EQ(s.store->share, 0.375);
    EXPECT_NE(format_text(s).find("MISSED"), std::string::npos) << format_text(s);
    EXPECT_TRUE(meets_targets(s)); // the store's share is not one of the storm's targets
}

TEST(StormSummary, NoStore) {
    StormReadings readings = readings_of(1, 4 << 20, 3 << 20, 0.5, 2);
    readings.store_before = readings.store_after = StoreReading{"none", 0, 0};
    StormSummary s = summarize_storm(samples_of({1, 2}), readings);
    nlohmann::json j = to_json(s);
    EXPECT_EQ(j["store_backend"], "none");
    EXPECT_DOUBLE_EQ(j["store_share"].get<double>(), 0);
    EXPECT_NE(format_text(s).find("store: none"), std::string::npos) << format_text(s);
}

TEST(StormSummary, TargetsInText) {
    StormSummary s = summarize_storm(samples_of({1, 1, 1}), readings_of(1, 4 << 20, 3 << 20, 0.5, 3));
    EXPECT_TRUE(meets_targets(s));
    const std::string text = format_text(s);
    EXPECT_NE(text.find("last_ms <= 10 ok"), std::string::npos) << text;
    s.idle_cpu_pct = 7;
    EXPECT_FALSE(meets_targets(s));
    EXPECT_NE(format_text(s).find("idle_cpu_pct <= 5 MISSED"), std::string::npos);
}

// A small well-formedness check: tags balance, attributes are quoted, text has
// no bare '<' or '&' outside entities.
testing::AssertionResult well_formed_xml(const std::string& xml) {
    std::vector<std::string> open;
    size_t at = 0;
    if (xml.rfind("<?xml", 0) == 0) at = xml.find("?>") + 2;
    while ((at = xml.find_first_of("<&", at)) != std::string::npos) {
        if (xml[at] == '&') {
            if (!std::regex_search(xml.substr(at, 8), std::regex("^&(amp|lt|gt|quot|apos);")))
                return testing::AssertionFailure() << "bare & at " << at;
            ++at;
            continue;
        }
        size_t end = xml.find('>', at);
        if (end == std::string::npos) return testing::AssertionFailure() << "unclosed tag at " << at;
        std::string tag = xml.substr(at + 1, end - at - 1);
        if (tag.find('<') != std::string::npos)
            return testing::AssertionFailure() << "'<' inside tag " << tag;
        static const std::regex element(R"(^(/?)([A-Za-z][\w:-]*)(\s+[\w:-]+="[^"<]*")*\s*(/?)$)");
        std::smatch m;
        if (!std::regex_match(tag, m, element))
            return testing::AssertionFailure() << "bad tag <" << tag << ">";
        if (m[1].length() > 0) {
            if (open.empty() || open.back() != m[2])
                return testing::AssertionFailure() << "unbalanced </" << m[2] << ">";
            open.pop_back();
        } else if (m[4].length() == 0) {
            open.push_back(m[2]);
        }
        at = end + 1;
    }
    if (!open.empty()) return testing::AssertionFailure() << "unclosed <" << open.back() << ">";
    return testing::AssertionSuccess();
}

size_t count_points(const std::string& svg) {
    size_t count = 0;
    static const std::regex points(R"re(points="([^"]*)")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), points); it != std::sregex_iterator(); ++it) {
        const std::string list = (*it)[1];
        count += static_cast<size_t>(std::count(list.begin(), list.end(), ','));
    }
    return count;
}

LinePlot plot_of(size_t n) {
    LinePlot plot;
    plot.title = "N = " + std::to_string(n) + " <storm> & \"friends\"";
    plot.x_label = "guest number";
    plot.y_label = "creation time (ms)";
    PlotSeries series{"client", "#1f77b4", {}};
    for (size_t i = 1; i <= n; ++i)
        series.points.push_back({double(i), 1.0 + double(i % 97) / 10.0});
    plot.series.push_back(series);
    plot.reference_y = 2.5;
    plot.reference_label = "median 2.5 ms";
    return plot;
}

TEST(SvgPlot, WellFormedAndEscaped) {
    const std::string svg = render_svg(plot_of(50));
    EXPECT_TRUE(well_formed_xml(svg));
    EXPECT_NE(svg.find("&lt;storm&gt; &amp; &quot;friends&quot;"), std::string::npos);
    EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos); // the median line
    EXPECT_NE(svg.find(">guest number<"), std::string::npos);
}

TEST(SvgPlot, PointCountBoundedForLargeN) {
    const std::string small = render_svg(plot_of(100));
    const std::string large = render_svg(plot_of(200000));
    EXPECT_TRUE(well_formed_xml(large));
    EXPECT_GE(count_points(small), 100u);
    EXPECT_LE(count_points(large), 800u + 10u); // at most one point per pixel column, plus the axes
    EXPECT_LT(large.size(), 60000u);
}

TEST(SvgPlot, EmptySeriesDrawsAxes) {
    LinePlot plot;
    plot.title = "empty";
    plot.series.push_back({"none", "#000", {}});
    const std::string svg = render_svg(plot);
    EXPECT_TRUE(well_formed_xml(svg));
    EXPECT_NE(svg.find(">0<"), std::string::npos);
}

TEST(SvgPlot, DownsampleKeepsTheMaximumOfEachColumn) {
    std::vector<PlotPoint> points;
    for (int i = 0; i < 1000; ++i)
        points.push_back({double(i), i == 437 ? 99.0 : 1.0});
    std::vector<PlotPoint> out = downsample(points, 0, 1000, 10, Reduce::Max);
    ASSERT_EQ(out.size(), 10u);
    EXPECT_DOUBLE_EQ(out[4].y, 99.0);
    EXPECT_DOUBLE_EQ(out[4].x, 437.0);
    for (size_t i = 1; i < out.size(); ++i)
        EXPECT_LT(out[i - 1].x, out[i].x);
    EXPECT_EQ(downsample(points, 0, 1000, 2000, Reduce::Max).size(),
              1000u); // fewer points than columns: unchanged
}

TEST(SvgPlot, DownsampleMedian) {
    std::vector<PlotPoint> points;
    for (int i = 0; i < 100; ++i)
        points.push_back({double(i), i % 10 == 3 ? 50.0 : double(i % 10)});
    std::vector<PlotPoint> out = downsample(points, 0, 100, 10, Reduce::Median);
    ASSERT_EQ(out.size(), 10u);
    for (const PlotPoint& p : out)
        EXPECT_DOUBLE_EQ(p.y, 5.0);   // 0,1,2,4,5,6,7,8,9,50: lower median 5
    EXPECT_DOUBLE_EQ(out[2].x, 25.0); // the column's middle point
}

TEST(SvgPlot, YLimitClampsToTheTopEdge) {
    LinePlot plot = plot_of(10);
    plot.series[0].points.push_back({11, 1000});
    plot.y_limit = 10;
    const std::string svg = render_svg(plot);
    EXPECT_TRUE(well_formed_xml(svg));
    EXPECT_EQ(svg.find(">1000<"), std::string::npos); // no tick up to the outlier
    EXPECT_NE(svg.find(">10<"), std::string::npos);
    static const std::regex negative_y(R"re(,-)re");
    EXPECT_FALSE(std::regex_search(svg, negative_y)); // nothing drawn above the image
}

TEST(StormPlot, SeriesNoteAndSize) {
    std::vector<StormSample> samples;
    for (size_t i = 0; i < 100000; ++i)
        samples.push_back({true, i == 500 ? 400.0 : 1.0 + double(i % 7) / 10, 0.5, i});
    samples[7].created = false;
    StormSummary summary = summarize_storm(samples, readings_of(10, 1, 1, 0, 99999));
    LinePlot plot = storm_plot(samples, summary, "2026-01-01");
    ASSERT_EQ(plot.series.size(), 3u);
    EXPECT_EQ(plot.series[0].points.size(), 99999u);
    EXPECT_NE(plot.title.find("N = 100000 (2026-01-01)"), std::string::npos);
    EXPECT_NE(plot.note.find("1 guest above"), std::string::npos) << plot.note;
    EXPECT_NE(plot.note.find("max 400.0 ms"), std::string::npos) << plot.note;
    const std::string svg = render_svg(plot);
    EXPECT_TRUE(well_formed_xml(svg));
    EXPECT_LE(count_points(svg), 3 * 800u + 10u);
    EXPECT_LT(svg.size(), 120000u);
}

TEST(SvgPlot, NiceSteps) {
    EXPECT_DOUBLE_EQ(nice_step(10000, 8), 2000);
    EXPECT_DOUBLE_EQ(nice_step(7.3, 6), 2);
    EXPECT_DOUBLE_EQ(nice_step(1, 6), 0.2);
    EXPECT_DOUBLE_EQ(nice_step(0, 6), 1);
}

} // namespace
} // namespace sf::bench
