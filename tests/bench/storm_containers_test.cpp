// Unit tests of sf-bench storm --kind container's summary and ratios
// (bench/storm/container_compare.h): the bare runtime's runs, the ratios
// against the targets, the JSON keys and the human lines.
#include "bench/storm/container_compare.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sf::bench {
namespace {

BareRun ok_run(double ms) {
    return BareRun{true, ms, ""};
}

BareRun failed_run(const std::string& why) {
    return BareRun{false, 0, why};
}

// A container storm of 100 created at median 40 ms, bare runtime at 35 ms.
ContainerComparison comparison() {
    ContainerComparison c;
    c.runtime = "crun";
    c.container_pool = 8;
    c.median_ms = 40;
    c.created = 100;
    c.bare = summarize_bare({ok_run(36), ok_run(34), ok_run(35)});
    return c;
}

TEST(ContainerCompare, BareSummaryCountsFailuresAndTimesOnlySuccesses) {
    const BareSummary s = summarize_bare(
        {ok_run(30), failed_run("exited with status 1"), ok_run(50), ok_run(40), failed_run("timeout")});
    EXPECT_EQ(s.runs, 5u);
    EXPECT_EQ(s.failed, 2u);
    EXPECT_DOUBLE_EQ(s.times.median, 40); // of 30, 40, 50: the failures' zeros are not samples
    EXPECT_DOUBLE_EQ(s.times.min, 30);
    EXPECT_DOUBLE_EQ(s.times.max, 50);
}

TEST(ContainerCompare, BareSummaryAllFailed) {
    const BareSummary s = summarize_bare({failed_run("a"), failed_run("b")});
    EXPECT_EQ(s.runs, 2u);
    EXPECT_EQ(s.failed, 2u);
    EXPECT_DOUBLE_EQ(s.times.median, 0);
}

TEST(ContainerCompare, RatioIsNullWithoutSuccessOnEitherSide) {
    ASSERT_TRUE(median_ratio(42, 10, 35, 5));
    EXPECT_DOUBLE_EQ(*median_ratio(42, 10, 35, 5), 1.2);
    EXPECT_FALSE(median_ratio(42, 0, 35, 5));
    EXPECT_FALSE(median_ratio(42, 10, 35, 0));
    EXPECT_FALSE(median_ratio(42, 10, 0, 5));
}

TEST(ContainerCompare, RatiosOfEachComparison) {
    ContainerComparison c = comparison();
    c.with_nic = true;
    c.no_nic = StormFigure{100, 0, 32};
    c.vm = StormFigure{100, 0, 2};
    const ContainerRatios r = container_ratios(c);
    ASSERT_TRUE(r.container_bare && r.nic_no_nic && r.vm_container);
    EXPECT_DOUBLE_EQ(*r.container_bare, 40.0 / 35);
    EXPECT_DOUBLE_EQ(*r.nic_no_nic, 40.0 / 32);
    EXPECT_DOUBLE_EQ(*r.vm_container, 2.0 / 40);
}

TEST(ContainerCompare, JsonKeysWithoutNetOrVm) {
    nlohmann::json json = {{"median_ms", 40}};
    add_container_json(comparison(), json);
    EXPECT_EQ(json["kind"], "container");
    EXPECT_EQ(json["runtime"], "crun");
    EXPECT_EQ(json["container_pool"], 8);
    EXPECT_EQ(json["bare_runtime_runs"], 3);
    EXPECT_EQ(json["bare_runtime_failed"], 0);
    EXPECT_DOUBLE_EQ(json["bare_runtime_median_ms"].get<double>(), 35);
    EXPECT_DOUBLE_EQ(json["bare_runtime_min_ms"].get<double>(), 34);
    EXPECT_DOUBLE_EQ(json["bare_runtime_max_ms"].get<double>(), 36);
    EXPECT_DOUBLE_EQ(json["ratio_container_bare"].get<double>(), 1.143); // 40 / 35, 3 decimals
    for (const char* absent : {"no_nic_median_ms", "ratio_nic_no_nic", "vm_median_ms", "ratio_vm_container"})
        EXPECT_FALSE(json.contains(absent)) << absent;
    EXPECT_EQ(json.size(), 11u);
    ContainerComparison without = comparison();
    without.container_pool.reset(); // not given to sfd
    add_container_json(without, json);
    EXPECT_TRUE(json["container_pool"].is_null());
}

TEST(ContainerCompare, JsonWithNetAndVmAndANullRatio) {
    ContainerComparison c = comparison();
    c.with_nic = true;
    c.no_nic = StormFigure{0, 100, 0}; // every create without a NIC failed
    c.vm = StormFigure{99, 1, 1.5};
    nlohmann::json json = nlohmann::json::object();
    add_container_json(c, json);
    EXPECT_EQ(json["no_nic_created"], 0);
    EXPECT_EQ(json["no_nic_failed"], 100);
    EXPECT_TRUE(json["ratio_nic_no_nic"].is_null());
    EXPECT_EQ(json["vm_created"], 99);
    EXPECT_EQ(json["vm_failed"], 1);
    EXPECT_DOUBLE_EQ(json["ratio_vm_container"].get<double>(), 0.038); // 1.5 / 40
}

TEST(ContainerCompare, TargetsBareRatioAndFailures) {
    ContainerComparison c = comparison(); // 40 / 35 = 1.14
    EXPECT_TRUE(meets_container_targets(c));
    c.median_ms = 43; // 1.23
    EXPECT_FALSE(meets_container_targets(c));
    c = comparison();
    c.bare = summarize_bare({ok_run(35), failed_run("x")});
    EXPECT_FALSE(meets_container_targets(c)) << "a failed bare run misses the targets";
    c.bare = summarize_bare({});
    EXPECT_FALSE(meets_container_targets(c)) << "no bare figure, no verdict of met";
}

TEST(ContainerCompare, NicTargetJudgedOnlyWithThePool) {
    ContainerComparison c = comparison();
    c.with_nic = true;
    c.no_nic = StormFigure{100, 0, 29}; // 40 / 29 = 1.38 > 1.3
    EXPECT_FALSE(meets_container_targets(c));
    c.no_nic->median_ms = 32; // 1.25
    EXPECT_TRUE(meets_container_targets(c));
    c.container_pool = 0;
    c.no_nic->median_ms = 20; // 2x, but without the pool the NIC target is not judged
    EXPECT_TRUE(meets_container_targets(c));
    EXPECT_NE(format_container_text(c).find("not judged, no pool"), std::string::npos);
}

TEST(ContainerCompare, TextNamesTheRuntimeTheRatiosAndVerdicts) {
    ContainerComparison c = comparison();
    c.vm = StormFigure{100, 0, 2};
    const std::string text = format_container_text(c);
    EXPECT_NE(text.find("crun run --detach"), std::string::npos) << text;
    EXPECT_NE(text.find("3 runs, 0 failed"), std::string::npos) << text;
    EXPECT_NE(text.find("1.143x (target <= 1.2: ok)"), std::string::npos) << text;
    EXPECT_NE(text.find("VM / container (medians): 0.050x"), std::string::npos) << text;
    c.bare = summarize_bare({failed_run("x")});
    EXPECT_NE(format_container_text(c).find("n/a (no success on a side) (target <= 1.2: MISSED (no figure))"),
              std::string::npos);
}

} // namespace
} // namespace sf::bench
