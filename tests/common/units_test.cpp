// Unit tests: size and duration parsing.
#include "common/units.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(ParseSize, AcceptsUnits) {
    EXPECT_EQ(sf::parse_size("4096").value(), 4096u);
    EXPECT_EQ(sf::parse_size("4K").value(), 4096u);
    EXPECT_EQ(sf::parse_size("64M").value(), 64u << 20);
    EXPECT_EQ(sf::parse_size("2MiB").value(), 2u << 20);
    EXPECT_EQ(sf::parse_size("1g").value(), 1ull << 30);
    EXPECT_EQ(sf::parse_size("12b").value(), 12u);
}

TEST(ParseSize, RejectsGarbage) {
    EXPECT_NE(sf::parse_size("").error().message.find("expected a number"), std::string::npos);
    EXPECT_NE(sf::parse_size("M").error().message.find("expected a number"), std::string::npos);
    EXPECT_NE(sf::parse_size("4T").error().message.find("unknown unit"), std::string::npos);
    EXPECT_NE(sf::parse_size("1.5M").error().message.find("whole number"), std::string::npos);
    EXPECT_NE(sf::parse_size("99999999999999999999").error().message.find("too large"), std::string::npos);
    EXPECT_NE(sf::parse_size("17179869184G").error().message.find("too large"), std::string::npos);
    EXPECT_FALSE(sf::parse_size("-4K").ok());
}

TEST(ParseDuration, AcceptsUnits) {
    EXPECT_EQ(sf::parse_duration("500ms").value(), 500ms);
    EXPECT_EQ(sf::parse_duration("2").value(), 2s);
    EXPECT_EQ(sf::parse_duration("1.5s").value(), 1500ms);
    EXPECT_EQ(sf::parse_duration("250us").value(), 250us);
    EXPECT_EQ(sf::parse_duration("1m").value(), 60s);
}

TEST(ParseDuration, RejectsGarbage) {
    EXPECT_NE(sf::parse_duration("soon").error().message.find("expected a number"), std::string::npos);
    EXPECT_NE(sf::parse_duration("5 parsecs").error().message.find("unknown unit"), std::string::npos);
    EXPECT_NE(sf::parse_duration("1e300h").error().message.find("unknown unit"), std::string::npos);
    EXPECT_NE(sf::parse_duration("9999999999999h").error().message.find("too large"), std::string::npos);
}

TEST(FormatSize, PicksExactUnit) {
    EXPECT_EQ(sf::format_size(4u << 20), "4 MiB");
    EXPECT_EQ(sf::format_size(1536), "1536 B");
    EXPECT_EQ(sf::format_size(3072), "3 KiB");
    EXPECT_EQ(sf::format_size(0), "0 B");
    EXPECT_EQ(sf::format_size(1ull << 30), "1 GiB");
}

TEST(ParseSize, ErrorsStayOnOneLine) {
    auto e = sf::parse_size("4\nM").error().message;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_NE(e.find("\\n"), std::string::npos) << e;
}
