// Unit tests of sf-bench all's document: the CPU model, the figures picked
// from each benchmark's JSON with the direction that is better, and the
// document's shape with skipped and failed benchmarks.
#include "bench/all/all_document.h"

#include <gtest/gtest.h>

namespace sf::bench {
namespace {

TEST(AllDocument, CpuModel) {
    EXPECT_EQ(parse_cpu_model("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"
                              "processor\t: 1\nmodel name\t: AMD EPYC 7B13\n"),
              "AMD EPYC 7B13");
    EXPECT_EQ(parse_cpu_model("processor : 0\nBogoMIPS : 50.00\n"), "unknown"); // e.g. arm64
}

TEST(AllDocument, Directions) {
    EXPECT_EQ(figure_direction("boot.guest_first_output_ms.median"), "lower");
    EXPECT_EQ(figure_direction("boot.ratio_guest_fork_exec"), "lower");
    EXPECT_EQ(figure_direction("boot.ratio_sfd_fork_exec"), "lower");
    EXPECT_EQ(figure_direction("net.http_rps"), "higher");
    EXPECT_EQ(figure_direction("net.ratio_udp_linux"), "higher");
    EXPECT_EQ(figure_direction("net.ping_loss_pct"), "lower");
    EXPECT_EQ(figure_direction("net.udp_lost"), "lower");
    EXPECT_EQ(figure_direction("store.read_ops_s"), "higher");
    EXPECT_EQ(figure_direction("store.txn_commits_s"), "higher");
    EXPECT_EQ(figure_direction("storm.total_s"), "lower");
    EXPECT_EQ(figure_direction("storm.mem_per_guest_kib_max"), "lower");
    EXPECT_EQ(figure_direction("storm.unexplained_kib_per_guest"), "lower");
    EXPECT_EQ(figure_direction("storm.later_rounds_failed"), "lower");
    EXPECT_EQ(figure_direction("migrate.runs.K=1.stream_mbit_s"), "higher");
    EXPECT_EQ(figure_direction("migrate.runs.K=1.bytes_sent"), "");
    EXPECT_EQ(figure_direction("hypercall.backends.kvm.ns_per_hypercall_median"), "lower");
    EXPECT_EQ(figure_direction("hypercall.backends.kvm.max"), "lower");
    EXPECT_EQ(figure_direction("hypercall.ratio_process_kvm"), ""); // neither way is better
    EXPECT_EQ(figure_direction("storm.created"), "");
}

TEST(AllDocument, FiguresLeaveOutSettingsSamplesAndFlags) {
    const nlohmann::json migrate = nlohmann::json::parse(R"({
        "rate": "10gbit", "backend": "kvm", "delay_ms": 0,
        "runs": [{"guests_on_source": 1, "total_ms": 5.5, "connection_kept": true,
                  "samples": [{"total_ms": 5.5}]},
                 {"guests_on_source": 100, "total_ms": 6.5, "stream_mbit_s": null}]})");
    const nlohmann::ordered_json f = figures_of("migrate", migrate);
    ASSERT_EQ(f.size(), 2u) << f.dump();
    EXPECT_DOUBLE_EQ(f["migrate.runs.K=1.total_ms"]["value"].get<double>(), 5.5);
    EXPECT_EQ(f["migrate.runs.K=1.total_ms"]["better"], "lower");
    EXPECT_DOUBLE_EQ(f["migrate.runs.K=100.total_ms"]["value"].get<double>(), 6.5);

    const nlohmann::json boot = nlohmann::json::parse(R"({"runs": 100, "warmup": 5, "image": "/x",
        "guest_first_output_ms": {"median": 0.6, "p90": 0.8},
        "ratio_guest_fork_exec": 1.1})");
    const nlohmann::ordered_json b = figures_of("boot", boot);
    EXPECT_EQ(b.size(), 3u) << b.dump();
    EXPECT_FALSE(b.contains("boot.runs"));
    EXPECT_EQ(b["boot.guest_first_output_ms.p90"]["better"], "lower");
}

TEST(AllDocument, Shape) {
    Machine machine{"AMD EPYC 7B13", 2, "6.18.0", 24563740, "kvm"};
    BenchOutcome boot;
    boot.name = "boot";
    boot.command = {"/b/sf-bench", "boot", "--json", "--runs", "100"};
    boot.seconds = 1.23456;
    boot.result = nlohmann::json::parse(R"({"ratio_guest_fork_exec": 1.1})");
    BenchOutcome net;
    net.name = "net";
    net.skipped = "needs root";
    BenchOutcome store;
    store.name = "store";
    store.command = {"/b/sf-bench", "store", "--json"};
    store.status = 1;
    store.error = "exited with status 1";
    const nlohmann::ordered_json d =
        all_document(machine, "v1-2-gabc", "2026-12-06T21:00:00Z", "quick", {boot, net, store});
    std::vector<std::string> keys;
    for (const auto& [key, value] : d.items())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"machine", "commit", "date", "size", "benchmarks", "figures"}));
    EXPECT_EQ(d["machine"]["cores"], 2);
    EXPECT_EQ(d["machine"]["backend"], "kvm");
    EXPECT_EQ(d["commit"], "v1-2-gabc");
    EXPECT_EQ(d["benchmarks"]["boot"]["command"], "sf-bench boot --json --runs 100");
    EXPECT_DOUBLE_EQ(d["benchmarks"]["boot"]["seconds"].get<double>(), 1.235);
    EXPECT_EQ(d["benchmarks"]["net"]["skipped"], "needs root");
    EXPECT_FALSE(d["benchmarks"]["net"].contains("status"));
    EXPECT_EQ(d["benchmarks"]["store"]["status"], 1);
    EXPECT_EQ(d["benchmarks"]["store"]["error"], "exited with status 1");
    EXPECT_FALSE(d["benchmarks"]["store"].contains("result"));
    ASSERT_EQ(d["figures"].size(), 1u);
    EXPECT_DOUBLE_EQ(d["figures"]["boot.ratio_guest_fork_exec"]["value"].get<double>(), 1.1);
}

} // namespace
} // namespace sf::bench
