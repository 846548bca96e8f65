// Unit tests of sf-bench boot's summary: the JSON keys with and without
// --via-sfd, the ratios of medians, and the text.
#include "bench/boot/boot_summary.h"

#include <gtest/gtest.h>

namespace sf::bench {
namespace {

BootSamples samples_with_sfd() {
    BootSamples s;
    s.guest_first = {0.6, 0.5, 0.7};
    s.guest_exit = {0.7, 0.6, 0.8};
    s.guest_teardown = {0.1, 0.1, 0.2};
    s.fork_first = {0.4, 0.5, 0.45};
    s.fork_exit = {0.5, 0.6, 0.55};
    s.spawn_first = {0.3, 0.35, 0.4};
    s.spawn_exit = {0.4, 0.45, 0.5};
    s.sfd_request = {0.9, 0.8, 1.2};
    s.sfd_first_output = {0.3, 0.25, 0.4};
    return s;
}

TEST(BootSummary, RatiosOfMedians) {
    const BootSamples s = samples_with_sfd();
    EXPECT_DOUBLE_EQ(median_ratio(s.guest_first, s.fork_first), 0.6 / 0.45);
    EXPECT_DOUBLE_EQ(median_ratio(s.sfd_request, s.fork_first), 0.9 / 0.45);
    EXPECT_DOUBLE_EQ(median_ratio(s.sfd_request, {}), 0);
    EXPECT_DOUBLE_EQ(median_ratio({}, s.fork_first), 0);
    EXPECT_DOUBLE_EQ(median_ratio({1.0}, {0.0}), 0);
}

TEST(BootSummary, JsonWithoutSfdHasTheEarlierKeysOnly) {
    BootSamples s = samples_with_sfd();
    s.sfd_request.clear();
    s.sfd_first_output.clear();
    const nlohmann::json j = boot_json({"kvm", "/g/hello", 3, 1, false}, s);
    EXPECT_EQ(j.size(), 12u);
    EXPECT_FALSE(j.contains("sfd_request_ms"));
    EXPECT_EQ(j["backend"], "kvm");
    EXPECT_DOUBLE_EQ(j["guest_first_output_ms"]["median"].get<double>(), 0.6);
    EXPECT_DOUBLE_EQ(j["ratio_guest_fork_exec"].get<double>(), 1.333);
}

TEST(BootSummary, JsonAndTextViaSfd) {
    const BootSamples s = samples_with_sfd();
    const BootRunInfo info{"process", "/g/hello", 3, 0, true};
    const nlohmann::json j = boot_json(info, s);
    EXPECT_EQ(j.size(), 16u);
    EXPECT_DOUBLE_EQ(j["sfd_request_ms"]["median"].get<double>(), 0.9);
    EXPECT_DOUBLE_EQ(j["sfd_request_ms"]["max"].get<double>(), 1.2);
    EXPECT_DOUBLE_EQ(j["sfd_first_output_ms"]["median"].get<double>(), 0.3);
    EXPECT_DOUBLE_EQ(j["ratio_sfd_fork_exec"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(j["ratio_sfd_guest"].get<double>(), 1.5);
    const std::string text = boot_text(info, s);
    EXPECT_NE(text.find("via sfd: POST /v1/guests to 201 (wait output)"), std::string::npos) << text;
    EXPECT_NE(text.find("ratio via sfd / fork+exec (request to 201 over first output, medians): 2.00; "
                        "via sfd / cold in-process guest: 1.50"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("backend: process"), std::string::npos) << text;
}

} // namespace
} // namespace sf::bench
