// Unit tests of sf-bench migrate's pure parts: the largest gap between ping
// replies around a migration, the counter's continuity, medians, the summary
// and its JSON, the targets, the plot's points and `scripts/testhosts env`.
#include "bench/migrate/migrate_env.h"
#include "bench/migrate/migrate_gap.h"
#include "bench/migrate/migrate_plot.h"
#include "bench/migrate/migrate_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace sf::bench {
namespace {

constexpr int64_t kMs = 1'000'000;

// Replies every 0.2 ms from `from` to `to` (ns), both included.
std::vector<int64_t> steady_replies(int64_t from, int64_t to) {
    std::vector<int64_t> out;
    for (int64_t t = from; t <= to; t += kMs / 5)
        out.push_back(t);
    return out;
}

TEST(BenchMigrateGap, FindsTheDowntimeInsideTheWindow) {
    std::vector<int64_t> replies = steady_replies(0, 100 * kMs);
    std::vector<int64_t> after = steady_replies(107 * kMs, 200 * kMs);
    replies.insert(replies.end(), after.begin(), after.end());
    auto gap = largest_gap(replies, 95 * kMs, 110 * kMs, 200 * kMs);
    ASSERT_TRUE(gap);
    EXPECT_TRUE(gap->closed);
    EXPECT_EQ(gap->start_ns, 100 * kMs);
    EXPECT_EQ(gap->end_ns, 107 * kMs);
    EXPECT_DOUBLE_EQ(gap->ms(), 7.0);
}

TEST(BenchMigrateGap, IgnoresGapsOutsideTheWindowAndOrder) {
    // A 20 ms hole long before the migration and one of 8 ms after it (both outside the
    // window), a 2 ms one during it; unsorted input.
    std::vector<int64_t> replies = {0, 20 * kMs, 21 * kMs, 50 * kMs};
    std::vector<int64_t> after = steady_replies(52 * kMs, 55 * kMs);
    replies.insert(replies.end(), after.begin(), after.end());
    replies.push_back(63 * kMs);
    std::reverse(replies.begin(), replies.end());
    auto gap = largest_gap(replies, 51 * kMs, 53 * kMs, 63 * kMs);
    ASSERT_TRUE(gap);
    EXPECT_EQ(gap->start_ns, 50 * kMs);
    EXPECT_EQ(gap->end_ns, 52 * kMs);
}

TEST(BenchMigrateGap, CountsAGapThatEndsAfterTheReply) {
    // The guest answers again only after the API replied at 10 ms: still this migration's gap.
    std::vector<int64_t> replies = {0, 4 * kMs, 13 * kMs, 14 * kMs};
    auto gap = largest_gap(replies, 5 * kMs, 10 * kMs, 20 * kMs);
    ASSERT_TRUE(gap);
    EXPECT_EQ(gap->start_ns, 4 * kMs);
    EXPECT_EQ(gap->end_ns, 13 * kMs);
}

TEST(BenchMigrateGap, NoReplyAfterTheMigrationIsAnOpenGap) {
    std::vector<int64_t> replies = {0, kMs, 2 * kMs};
    auto gap = largest_gap(replies, 3 * kMs, 5 * kMs, 900 * kMs);
    ASSERT_TRUE(gap);
    EXPECT_FALSE(gap->closed);
    EXPECT_EQ(gap->start_ns, 2 * kMs);
    EXPECT_EQ(gap->end_ns, 900 * kMs);
}

TEST(BenchMigrateGap, NothingToMeasureFrom) {
    EXPECT_FALSE(largest_gap({}, 0, kMs, 2 * kMs));
    EXPECT_FALSE(largest_gap({5 * kMs, 6 * kMs}, kMs, 2 * kMs, 9 * kMs)); // no reply before the window
}

TEST(BenchMigrateCounter, ContinuousCounterAndFinalGet) {
    CounterCheck check = check_counter({41, 42, 43, 44}, 44);
    EXPECT_TRUE(check.continuous);
    EXPECT_EQ(check.first, 41u);
    EXPECT_EQ(check.last, 44u);
    EXPECT_TRUE(check.problem.empty());
}

TEST(BenchMigrateCounter, GoingBackOrSkippingIsNotKept) {
    CounterCheck back = check_counter({10, 11, 12, 9, 10}, 10);
    EXPECT_FALSE(back.continuous);
    EXPECT_NE(back.problem.find("9 after 12"), std::string::npos) << back.problem;
    EXPECT_FALSE(check_counter({10, 11, 13}, 13).continuous);
}

TEST(BenchMigrateCounter, FinalGetMustAgree) {
    EXPECT_FALSE(check_counter({1, 2, 3}, std::nullopt).continuous);
    EXPECT_FALSE(check_counter({1, 2, 3}, 2).continuous);
    EXPECT_FALSE(check_counter({}, 0).continuous);
}

TEST(BenchMigrateMedian, OddEvenEmpty) {
    EXPECT_EQ(median_of({5, 1, 3}), 3.0);
    EXPECT_EQ(median_of({4, 1, 3, 2}), 2.5);
    EXPECT_EQ(median_of({7}), 7.0);
    EXPECT_FALSE(median_of({}));
}

MigrateSample sample(double total, double downtime, uint64_t bytes, bool kept = true) {
    MigrateSample s;
    s.ok = true;
    s.total_ms = total;
    s.downtime_ms = downtime;
    s.pings_resumed = true;
    s.server_total_ms = total - 0.5;
    s.server_downtime_ms = downtime - 0.5;
    s.bytes_sent = bytes;
    s.rounds = 2;
    s.connection_kept = kept;
    s.create_ms = 2.0;
    s.transfer_ms = 1.0;
    return s;
}

TEST(BenchMigrateSummary, MediansOverSuccessfulRunsOnly) {
    MigrateSample failed;
    failed.error = "refused";
    MigrateRow row{100, {sample(9, 4, 300'000), failed, sample(7, 2, 100'000), sample(8, 3, 200'000)}};
    MigrateRowSummary s = summarize_row(row);
    EXPECT_EQ(s.guests_on_source, 100);
    EXPECT_EQ(s.runs, 4u);
    EXPECT_EQ(s.succeeded, 3u);
    EXPECT_EQ(s.total_ms, 8.0);
    EXPECT_EQ(s.downtime_ms, 3.0);
    EXPECT_EQ(s.bytes_sent, 200'000.0);
    EXPECT_EQ(s.server_downtime_ms, 2.5);
    EXPECT_EQ(s.create_ms, 2.0);
    EXPECT_FALSE(s.connection_kept); // a failed run is not a kept connection
}

TEST(BenchMigrateSummary, ConnectionKeptOnlyWhenEveryRunKeptIt) {
    EXPECT_TRUE(summarize_row({1, {sample(5, 2, 1), sample(6, 2, 1)}}).connection_kept);
    EXPECT_FALSE(summarize_row({1, {sample(5, 2, 1), sample(6, 2, 1, false)}}).connection_kept);
    EXPECT_FALSE(summarize_row({1, {}}).connection_kept);
}

TEST(BenchMigrateJson, ExactShape) {
    MigrateSample failed;
    failed.error = "no route";
    MigrateSample with_phases = sample(6.5, 3.5, 150'003);
    with_phases.server_phases = nlohmann::json::object({{"precopy_ms", 0.25}});
    std::vector<MigrateRow> rows = {{1, {sample(6.1234, 2.5, 150'001), with_phases}}, {1000, {failed}}};
    nlohmann::ordered_json j = migrate_json("10gbit", rows);
    ASSERT_TRUE(j.is_object());
    std::vector<std::string> keys;
    for (auto& [key, value] : j.items())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"rate", "runs"}));
    EXPECT_EQ(j["rate"], "10gbit");
    ASSERT_EQ(j["runs"].size(), 2u);
    const auto& first = j["runs"][0];
    keys.clear();
    for (auto& [key, value] : first.items())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"guests_on_source", "total_ms", "downtime_ms", "bytes_sent",
                                              "connection_kept", "stream_mbit_s", "transfer_mbit_s",
                                              "ping_rtt_ms", "samples"}));
    EXPECT_EQ(first["guests_on_source"], 1);
    EXPECT_DOUBLE_EQ(first["total_ms"].get<double>(), 6.312); // (6.1234 + 6.5) / 2, rounded to us
    EXPECT_DOUBLE_EQ(first["downtime_ms"].get<double>(), 3.0);
    EXPECT_EQ(first["bytes_sent"], 150'002u);
    EXPECT_TRUE(first["bytes_sent"].is_number_unsigned());
    EXPECT_EQ(first["connection_kept"], true);
    ASSERT_EQ(first["samples"].size(), 2u);
    EXPECT_EQ(first["samples"][0]["bytes_sent"], 150'001u);
    EXPECT_EQ(first["samples"][1]["server_phases"]["precopy_ms"], 0.25);
    EXPECT_EQ(first["samples"][0]["ok"], true);
    EXPECT_FALSE(first["samples"][0].contains("error"));
    EXPECT_FALSE(first["samples"][0].contains("server_phases")); // only when sfd gave them
    const auto& second = j["runs"][1];
    EXPECT_TRUE(second["total_ms"].is_null());
    EXPECT_TRUE(second["downtime_ms"].is_null());
    EXPECT_TRUE(second["bytes_sent"].is_null());
    EXPECT_EQ(second["connection_kept"], false);
    EXPECT_EQ(second["samples"][0]["error"], "no route");
    // It parses back as plain JSON.
    EXPECT_EQ(nlohmann::json::parse(j.dump())["runs"][0]["guests_on_source"], 1);
}

std::vector<MigrateRowSummary> rows_of(std::vector<std::pair<double, double>> figures) {
    std::vector<MigrateRowSummary> rows;
    int k = 1;
    for (auto [total, downtime] : figures) {
        MigrateRowSummary r;
        r.guests_on_source = k;
        r.runs = r.succeeded = 5;
        r.total_ms = total;
        r.downtime_ms = downtime;
        r.connection_kept = true;
        rows.push_back(r);
        k *= 10;
    }
    return rows;
}

size_t missed(const std::vector<TargetVerdict>& verdicts) {
    return static_cast<size_t>(
        std::count_if(verdicts.begin(), verdicts.end(), [](const TargetVerdict& v) { return !v.met; }));
}

TEST(BenchMigrateGap, RoundTripsMatchTheRequestBySequence) {
    // Requests every 1 ms from 0; request i carries sequence i + 1.
    std::vector<int64_t> sent;
    for (int64_t i = 0; i < 10; ++i)
        sent.push_back(i * kMs);
    // Replies to requests 0, 2 (out of order, after 3's) and 3; 5's after the cut-off; one unknown.
    std::vector<uint16_t> seq = {1, 4, 3, 6, 200};
    std::vector<int64_t> at = {kMs / 2, 3 * kMs + kMs / 4, 3 * kMs + kMs / 2, 9 * kMs, 4 * kMs};
    std::vector<double> rtt = round_trips_ms(sent, seq, at, 8 * kMs);
    ASSERT_EQ(rtt.size(), 3u);
    EXPECT_DOUBLE_EQ(rtt[0], 0.5);
    EXPECT_DOUBLE_EQ(rtt[1], 0.25);
    EXPECT_DOUBLE_EQ(rtt[2], 1.5);
    EXPECT_DOUBLE_EQ(*median_of(rtt), 0.5);
}

TEST(BenchMigrateGap, RoundTripsAcrossTheSequenceWrap) {
    // 65,536 + 10 requests 1 us apart: sequence 5 is carried by requests 4 and 65,540.
    std::vector<int64_t> sent;
    for (int64_t i = 0; i < 65546; ++i)
        sent.push_back(i * 1000);
    std::vector<double> late = round_trips_ms(sent, {5}, {65540 * 1000 + 300}, INT64_MAX);
    ASSERT_EQ(late.size(), 1u);
    EXPECT_DOUBLE_EQ(late[0], 0.0003);
    std::vector<double> early = round_trips_ms(sent, {5}, {4 * 1000 + 700}, INT64_MAX);
    ASSERT_EQ(early.size(), 1u);
    EXPECT_DOUBLE_EQ(early[0], 0.0007);
    EXPECT_TRUE(round_trips_ms({}, {1}, {5}, INT64_MAX).empty());
}

TEST(BenchMigrateThroughput, StreamAndRawTransfer) {
    MigrateSample m = sample(6, 2, 2'500'000); // 20 Mbit
    m.transfer_ms.reset();
    EXPECT_FALSE(stream_mbit_s(m));   // no phases from sfd
    EXPECT_FALSE(transfer_mbit_s(m)); // no baseline
    m.server_phases = nlohmann::json::parse(R"({"precopy_ms": 1.0, "receiver": {"read_ms": 20.0}})");
    m.transfer_ms = 40;
    ASSERT_TRUE(stream_mbit_s(m));
    EXPECT_DOUBLE_EQ(*stream_mbit_s(m), 1000); // 20 Mbit in 20 ms
    EXPECT_DOUBLE_EQ(*transfer_mbit_s(m), 500);
    m.server_phases = nlohmann::json::parse(R"({"receiver": {"read_ms": "x"}})");
    EXPECT_FALSE(stream_mbit_s(m));
    m.server_phases = nlohmann::json::parse(R"({"precopy_ms": 15.0, "stop_copy_ms": 5.0})"); // sender only
    EXPECT_FALSE(stream_mbit_s(m));
    MigrateSample other = m;
    other.server_phases = nlohmann::json::parse(R"({"receiver": {"read_ms": 10.0}})");
    other.transfer_ms = 20;
    other.ping_rtt_ms = 0.25;
    MigrateRowSummary s = summarize_row({1, {m, other}});
    ASSERT_TRUE(s.stream_mbit_s);
    EXPECT_DOUBLE_EQ(*s.stream_mbit_s, 2000); // only `other` has it
    EXPECT_DOUBLE_EQ(*s.transfer_mbit_s, 750);
    EXPECT_DOUBLE_EQ(*s.ping_rtt_ms, 0.25);
    nlohmann::ordered_json j = migrate_json("1gbit", {{1, {m, other}}});
    EXPECT_DOUBLE_EQ(j["runs"][0]["stream_mbit_s"].get<double>(), 2000);
    EXPECT_TRUE(j["runs"][0]["samples"][0]["stream_mbit_s"].is_null());
    EXPECT_DOUBLE_EQ(j["runs"][0]["samples"][0]["transfer_mbit_s"].get<double>(), 500);
}

TEST(BenchMigrateReport, LinksSayWhatIsShapedAndWhatIsMeasured) {
    auto rows = rows_of({{8, 4}, {9, 4}});
    rows[0].stream_mbit_s = 912.4;
    rows[0].transfer_mbit_s = 930;
    rows[0].ping_rtt_ms = 10.123;
    std::string text = format_links(LinkShaping{"1gbit", 5, true}, rows);
    EXPECT_NE(text.find("rate 1gbit as shaped"), std::string::npos) << text;
    EXPECT_NE(text.find("delay 5 ms each way"), std::string::npos) << text;
    EXPECT_NE(text.find("K = 1: measured throughput 912 Mbit/s"), std::string::npos) << text;
    EXPECT_NE(text.find("raw TCP 930 Mbit/s; ping RTT before the migration 10.123 ms"), std::string::npos)
        << text;
    EXPECT_NE(text.find("K = 10: measured throughput - Mbit/s"), std::string::npos) << text;
    EXPECT_NE(text.find("ICMP in its own htb class"), std::string::npos) << text;
    text = format_links(LinkShaping{"10gbit", 0, false}, rows);
    EXPECT_NE(text.find("no added delay"), std::string::npos) << text;
    EXPECT_NE(text.find("sharing the shaped links' queues"), std::string::npos) << text;
}

TEST(BenchMigrateTargets, TenGigabit) {
    EXPECT_EQ(missed(check_targets("10gbit", rows_of({{8, 4}, {8.5, 4.2}, {9, 4.5}, {9.5, 4.6}}))), 0u);
    // 9.9 / 8 = 1.24x: not flat; one downtime over 5.
    auto verdicts = check_targets("10gbit", rows_of({{8, 4}, {8.5, 4.2}, {9, 5.1}, {9.9, 4.6}}));
    EXPECT_EQ(missed(verdicts), 3u); // downtime at K = 100, flat total, flat downtime (5.1 / 4 = 1.28x)
    EXPECT_EQ(missed(check_targets("10gbit", rows_of({{11, 4}}))), 1u);
}

TEST(BenchMigrateTargets, OneGigabitAndConnection) {
    EXPECT_EQ(missed(check_targets("1gbit", rows_of({{39, 30}, {41, 30}}))), 1u);
    auto rows = rows_of({{20, 10}});
    rows[0].connection_kept = false;
    EXPECT_EQ(missed(check_targets("1gbit", rows)), 1u);
    EXPECT_EQ(missed(check_targets("100mbit", rows)), 1u); // only the connection is judged
}

TEST(BenchMigrateReport, TableShowsRatiosAndVerdicts) {
    auto rows = rows_of({{8, 4}});
    rows[0].create_ms = 2;
    rows[0].transfer_ms = 4;
    const std::string text = format_report("10gbit", rows, check_targets("10gbit", rows));
    EXPECT_NE(text.find("4.00x"), std::string::npos) << text; // total over create
    EXPECT_NE(text.find("2.00x"), std::string::npos) << text; // total over transfer
    EXPECT_NE(text.find("target total_ms <= 10 at K = 1: met"), std::string::npos) << text;
}

TEST(BenchMigratePlot, LogXAndTargetLine) {
    LinePlot plot = migrate_plot("10gbit", rows_of({{8, 4}, {8.5, 4.2}, {9, 4.5}, {9.5, 4.6}}), "2026-11-22");
    ASSERT_EQ(plot.series.size(), 3u);
    ASSERT_EQ(plot.series[0].points.size(), 4u);
    EXPECT_DOUBLE_EQ(plot.series[0].points[0].x, 0.0);
    EXPECT_DOUBLE_EQ(plot.series[0].points[3].x, 3.0);
    EXPECT_DOUBLE_EQ(plot.series[1].points[2].y, 4.5);
    EXPECT_TRUE(plot.series[2].points.empty()); // no server figures in these rows
    ASSERT_TRUE(plot.reference_y);
    EXPECT_EQ(*plot.reference_y, 10.0);
    EXPECT_NE(render_svg(plot).find("<svg"), std::string::npos);
}

TEST(BenchMigrateEnv, ParsesTestHostsEnv) {
    const std::string text = "# test hosts sfm1\n"
                             "export SF_HOST1_NS=sfm1-h1\n"
                             "SF_HOST1_ADDR=10.99.0.1\n"
                             "SF_HOST2_NS='sfm1-h2'\n"
                             "SF_HOST2_ADDR=\"10.99.0.2/24\"\n"
                             "SF_CLIENT_NS=sfm1-c\n"
                             "SF_CLIENT_ADDR=10.99.0.100\n"
                             "not an assignment\n";
    auto vars = parse_env_lines(text);
    EXPECT_EQ(vars["SF_HOST1_NS"], "sfm1-h1");
    EXPECT_EQ(vars["SF_HOST2_NS"], "sfm1-h2");
    auto env = read_testhosts_env(vars, 2);
    ASSERT_TRUE(env) << env.error().message;
    EXPECT_EQ(env->host_ns, (std::vector<std::string>{"sfm1-h1", "sfm1-h2"}));
    EXPECT_EQ(env->host_addr, (std::vector<std::string>{"10.99.0.1", "10.99.0.2"}));
    EXPECT_EQ(env->client_ns, "sfm1-c");
    EXPECT_EQ(env->client_addr, "10.99.0.100");
    auto missing = read_testhosts_env(vars, 3);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("SF_HOST3_NS"), std::string::npos);
}

} // namespace
} // namespace sf::bench
