// Unit tests of sf-bench net's pure parts: the parsers of ping's and wrk's
// output and of interface addresses, the summary and its JSON, and the
// neighbour table limits storm --net asks for.
#include "bench/common/private_netns.h"
#include "bench/net/net_parsers.h"
#include "bench/net/net_report.h"

#include <gtest/gtest.h>

#include <string>

namespace sf::bench {
namespace {

constexpr const char* kPing = "PING 10.77.0.2 (10.77.0.2) 56(84) bytes of data.\n"
                              "64 bytes from 10.77.0.2: icmp_seq=1 ttl=64 time=0.090 ms\n"
                              "64 bytes from 10.77.0.2: icmp_seq=2 ttl=64 time=1.21 ms\n"
                              "64 bytes from 10.77.0.2: icmp_seq=2 ttl=64 time=0.500 ms (DUP!)\n"
                              "64 bytes from 10.77.0.2: icmp_seq=4 ttl=64 time=12 ms\n"
                              "\n"
                              "--- 10.77.0.2 ping statistics ---\n"
                              "4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 7ms\n"
                              "rtt min/avg/max/mdev = 0.090/4.433/12.000/5.500 ms\n";

constexpr const char* kWrk = "Running 3s test @ http://10.78.0.2/\n"
                             "  1 threads and 4 connections\n"
                             "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
                             "    Latency   573.92us    1.05ms   5.56ms   85.61%\n"
                             "    Req/Sec    34.73k    12.95k   68.36k    80.00%\n"
                             "  69191 requests in 2.01s, 14.52MB read\n"
                             "  Socket errors: connect 1, read 2, write 0, timeout 4\n"
                             "  Non-2xx or 3xx responses: 5\n"
                             "Requests/sec:  34413.71\n"
                             "Transfer/sec:      7.22MB\n";

TEST(BenchNetParsers, PingTimesSkipDuplicates) {
    const std::vector<double> times = parse_ping_times(kPing);
    ASSERT_EQ(times.size(), 3u);
    EXPECT_DOUBLE_EQ(times[0], 0.090);
    EXPECT_DOUBLE_EQ(times[1], 1.21);
    EXPECT_DOUBLE_EQ(times[2], 12.0);
}

TEST(BenchNetParsers, PingTimesOfNothing) {
    EXPECT_TRUE(parse_ping_times("").empty());
    EXPECT_TRUE(parse_ping_times("From 10.77.0.1 icmp_seq=1 Destination Host Unreachable\n").empty());
    EXPECT_TRUE(parse_ping_times("64 bytes from 10.77.0.2: icmp_seq=1 ttl=64 time=abc ms\n").empty());
}

TEST(BenchNetParsers, PingCounts) {
    auto counts = parse_ping_counts(kPing);
    ASSERT_TRUE(counts) << counts.error().message;
    EXPECT_EQ(counts->transmitted, 4u);
    EXPECT_EQ(counts->received, 3u);
    EXPECT_FALSE(parse_ping_counts("ping: connect: Network is unreachable\n"));
}

TEST(BenchNetParsers, Wrk) {
    auto report = parse_wrk(kWrk);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_DOUBLE_EQ(report->requests_per_sec, 34413.71);
    EXPECT_EQ(report->requests, 69191u);
    EXPECT_EQ(report->socket_errors, 7u);
    EXPECT_EQ(report->non_2xx, 5u);
}

TEST(BenchNetParsers, WrkWithoutRateFails) {
    EXPECT_FALSE(parse_wrk("unable to connect to 10.77.0.4:80 Connection refused\n"));
    auto clean = parse_wrk("  10 requests in 1.00s, 1KB read\r\nRequests/sec:     10.00\r\n");
    ASSERT_TRUE(clean);
    EXPECT_EQ(clean->socket_errors, 0u);
    EXPECT_DOUBLE_EQ(clean->requests_per_sec, 10.0);
}

TEST(BenchNetParsers, InterfaceAddress) {
    auto address = parse_interface_address("10.78.0.1/24");
    ASSERT_TRUE(address) << address.error().message;
    EXPECT_EQ(address->ip, 0x0a4e0001u);
    EXPECT_EQ(address->prefix_len, 24u);
    EXPECT_EQ(to_string(*address), "10.78.0.1/24");
    for (const char* bad : {"10.78.0.1", "10.78.0.1/", "10.78.0.1/31", "10.78.0.1/0", "10.78.0.0/24",
                            "10.78.0.255/24", "10.78.0.1/24x", "010.78.0.1/24", "host/24"})
        EXPECT_FALSE(parse_interface_address(bad)) << bad;
}

TEST(BenchNetReport, MediansAndRatios) {
    NetSamples guest, host, linux_stack;
    guest.ping_ms = {0.3, 0.1, 0.2, 0.4};
    guest.pings_sent = 5;
    guest.udp_pps = {1000, 3000, 2000};
    guest.http_rps = {300, 500, 400};
    host.ping_ms = {0.05, 0.05};
    host.pings_sent = 2;
    host.udp_pps = {4000, 4000, 4000};
    host.http_rps = {1000, 1200, 1100};
    linux_stack.ping_ms = {0.04, 0.05, 0.06};
    linux_stack.pings_sent = 3;
    linux_stack.udp_pps = {8000, 10000, 9000};
    linux_stack.http_rps = {1600, 2000, 1800};
    const NetFigures f = summarize_net(guest, host, linux_stack, 3, 2.0);
    EXPECT_DOUBLE_EQ(f.guest.udp_pps, 2000);
    EXPECT_DOUBLE_EQ(f.guest.http_rps, 400);
    EXPECT_DOUBLE_EQ(f.guest.ping_loss_pct, 20);
    EXPECT_DOUBLE_EQ(f.host.ping_loss_pct, 0);
    EXPECT_DOUBLE_EQ(f.ratio_udp, 0.5);
    EXPECT_NEAR(f.ratio_http, 400.0 / 1100.0, 1e-12);
    EXPECT_DOUBLE_EQ(f.linux_stack.udp_pps, 9000);
    EXPECT_NEAR(f.ratio_udp_linux, 2000.0 / 9000.0, 1e-12);
    EXPECT_NEAR(f.ratio_http_linux, 400.0 / 1800.0, 1e-12);
    EXPECT_NEAR(f.ratio_ping_linux, 0.2 / 0.05, 1e-9); // nearest-rank medians: 0.2 and 0.05
    EXPECT_EQ(f.failed(), 0);
    EXPECT_FALSE(meets_targets(f));
    const nlohmann::json json = to_json(f);
    for (const char* key : {"ping_rtt_ms", "udp_pps", "http_rps", "host_ping_rtt_ms", "host_udp_pps",
                            "host_http_rps", "ratio_udp", "ratio_http", "linux_ping_rtt_ms", "linux_udp_pps",
                            "linux_http_rps", "ratio_udp_linux", "ratio_http_linux", "ratio_ping_linux",
                            "http_failed", "host_udp_failed", "linux_ping_failed", "failed"})
        EXPECT_TRUE(json.contains(key) && json[key].is_number()) << key;
    EXPECT_DOUBLE_EQ(json["ratio_http_linux"].get<double>(), f.ratio_http_linux);
    EXPECT_EQ(json["failed"], 0);
    const std::string text = format_text(f);
    EXPECT_NE(text.find("missed"), std::string::npos);
    EXPECT_NE(text.find("guest/Linux"), std::string::npos) << text;
    EXPECT_NE(text.find("0/0/0"), std::string::npos) << text;
    EXPECT_EQ(text.find("left out"), std::string::npos) << text;
}

TEST(BenchNetReport, FailedRoundsAreCountedBySide) {
    NetSamples guest, host, linux_stack;
    guest.http_rps = {500, 700};
    guest.http_failed = 1;
    host.udp_failed = 2;
    linux_stack.ping_failed = 3;
    linux_stack.http_rps = {1000};
    const NetFigures f = summarize_net(guest, host, linux_stack, 3, 1.0);
    EXPECT_EQ(f.failed(), 6);
    EXPECT_DOUBLE_EQ(f.guest.http_rps, 500); // the median of the two that did not fail
    EXPECT_DOUBLE_EQ(f.ratio_http_linux, 0.5);
    const nlohmann::json json = to_json(f);
    EXPECT_EQ(json["http_failed"], 1);
    EXPECT_EQ(json["host_udp_failed"], 2);
    EXPECT_EQ(json["linux_ping_failed"], 3);
    EXPECT_EQ(json["failed"], 6);
    const std::string text = format_text(f);
    EXPECT_NE(text.find("0/0/1"), std::string::npos) << text;
    EXPECT_NE(text.find("0/2/0"), std::string::npos) << text;
    EXPECT_NE(text.find("3/0/0"), std::string::npos) << text;
    EXPECT_NE(text.find("6 failed rounds"), std::string::npos) << text;
}

TEST(BenchNetReport, NoHostFigureGivesNoRatio) {
    NetSamples guest;
    guest.http_rps = {100};
    const NetFigures f = summarize_net(guest, NetSamples{}, NetSamples{}, 1, 1.0);
    EXPECT_EQ(f.ratio_http, 0);
    EXPECT_EQ(f.ratio_udp, 0);
    EXPECT_EQ(f.ratio_http_linux, 0);
    EXPECT_EQ(f.ratio_udp_linux, 0);
}

TEST(BenchNetNeighbours, RaisedNeverLowered) {
    const auto limits = neighbour_limits_for(11024, {128, 512, 1024});
    EXPECT_EQ(limits[0], 11024u);
    EXPECT_EQ(limits[1], 22048u);
    EXPECT_GE(limits[2], 16384u);
    const auto kept = neighbour_limits_for(100, {128, 512, 1024});
    EXPECT_EQ(kept[0], 128u);
    EXPECT_EQ(kept[1], 512u);
    EXPECT_EQ(kept[2], 1024u);
}

} // namespace
} // namespace sf::bench
