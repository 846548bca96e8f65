// Unit tests: a guest's console log file (src/host/worker/console_log.h):
// it never grows past its cap; past it, NAME.log becomes NAME.log.1 and a new
// NAME.log starts, the two together the newest output without a gap.
#include "host/worker/console_log.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>

using namespace sf;
using namespace sf::host;

namespace {

class ConsoleLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/sf-console-log-XXXXXX";
        dir = ::mkdtemp(pattern);
        path = dir + "/guest.log";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    static std::string read(const std::string& file) {
        std::ifstream in(file);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    // Bytes "0123456789abcdef..." from `from`, `count` of them.
    static std::string text(size_t from, size_t count) {
        static const std::string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        std::string out;
        for (size_t i = from; i < from + count; ++i)
            out += digits[i % digits.size()];
        return out;
    }

    std::string dir, path;
};

} // namespace

TEST_F(ConsoleLogTest, NeverGrowsPastItsCapAndKeepsTheOutputBeforeInOneOlderFile) {
    Result<ConsoleLog> log = ConsoleLog::open(path, 100);
    ASSERT_TRUE(log) << log.error().message;
    log->append(text(0, 60));
    EXPECT_EQ(read(path), text(0, 60));
    EXPECT_FALSE(std::filesystem::exists(path + ".1"));

    log->append(text(60, 60)); // 120 bytes: the first 100 fill guest.log, which then rotates
    EXPECT_EQ(read(path + ".1"), text(0, 100));
    EXPECT_EQ(read(path), text(100, 20));
    EXPECT_EQ(log->size(), 20u);

    log->append(text(120, 250)); // more than twice the cap in one write
    EXPECT_LE(std::filesystem::file_size(path), 100u);
    EXPECT_EQ(std::filesystem::file_size(path + ".1"), 100u);
    EXPECT_EQ(read(path + ".1") + read(path), text(370 - 100 - log->size(), 100 + log->size()))
        << "guest.log.1 then guest.log: the newest output without a gap";
    EXPECT_FALSE(std::filesystem::exists(path + ".2"));
}

TEST_F(ConsoleLogTest, AFileThereAlreadyIsAppendedToAndCounts) {
    std::ofstream(path) << text(0, 90);
    Result<ConsoleLog> log = ConsoleLog::open(path, 100);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->size(), 90u);
    log->append(text(90, 20));
    EXPECT_EQ(read(path + ".1"), text(0, 100));
    EXPECT_EQ(read(path), text(100, 10));
}

TEST_F(ConsoleLogTest, ACapHoldsEvenWhenTheRotationCannotRename) {
    Result<ConsoleLog> log = ConsoleLog::open(path, 100);
    ASSERT_TRUE(log);
    std::filesystem::create_directory(path + ".1"); // rename() onto a directory fails
    log->append(text(0, 150));
    EXPECT_EQ(read(path), text(100, 50)) << "started again from empty";
    EXPECT_TRUE(std::filesystem::is_directory(path + ".1"));
}

TEST_F(ConsoleLogTest, AFileThatCannotBeOpenedIsAnError) {
    Result<ConsoleLog> log = ConsoleLog::open(dir + "/missing/guest.log", 100);
    ASSERT_FALSE(log);
    EXPECT_NE(log.error().message.find("missing/guest.log"), std::string::npos) << log.error().message;
}
