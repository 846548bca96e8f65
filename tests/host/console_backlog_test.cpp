// Unit tests: ConsoleBacklog (src/host/console_backlog.h), the bounded queue
// of console bytes waiting for one slow follower in sfd.
#include "host/console_backlog.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace sf::host;

namespace {

std::string joined(const std::deque<std::string>& chunks) {
    return std::accumulate(chunks.begin(), chunks.end(), std::string());
}

} // namespace

TEST(ConsoleBacklog, WithinTheBudgetEverythingComesInOrder) {
    ConsoleBacklog backlog(16);
    EXPECT_TRUE(backlog.empty());
    backlog.push("hello ");
    backlog.push("world\n");
    EXPECT_FALSE(backlog.empty());
    EXPECT_EQ(joined(backlog.take()), "hello world\n");
    EXPECT_TRUE(backlog.empty());
    EXPECT_EQ(backlog.dropped(), 0u);
}

TEST(ConsoleBacklog, AChattyGuestCannotGrowItPastTheBudget) {
    ConsoleBacklog backlog(1000);
    const std::string line = "0123456789abcdef\n"; // 17 bytes
    for (int i = 0; i < 100'000; ++i) {
        backlog.push(line);
        ASSERT_LE(backlog.held(), 1000u);
    }
    EXPECT_EQ(backlog.dropped(), 100'000u * line.size() - 1000u);
    const std::string taken = joined(backlog.take());
    const std::string marker = ConsoleBacklog::marker(backlog.dropped());
    EXPECT_EQ(marker, "[sfd: 1699000 bytes dropped]\n");
    ASSERT_EQ(taken.substr(0, marker.size()), marker);
    const std::string kept = taken.substr(marker.size());
    EXPECT_EQ(kept.size(), 1000u);
    EXPECT_EQ(kept.substr(kept.size() - line.size()), line) << "the newest bytes are kept";
}

TEST(ConsoleBacklog, TheMarkerIsReportedOnceAndOnALineOfItsOwn) {
    ConsoleBacklog backlog(4);
    backlog.push("ab");
    EXPECT_EQ(joined(backlog.take()), "ab"); // no newline taken last
    backlog.push("cdefgh");                  // larger than the budget: its tail "efgh" stays
    EXPECT_EQ(backlog.held(), 4u);
    EXPECT_EQ(joined(backlog.take()), "\n[sfd: 2 bytes dropped]\nefgh");
    backlog.push("ij");
    EXPECT_EQ(joined(backlog.take()), "ij") << "a drop is told once";
    EXPECT_EQ(backlog.dropped(), 2u);
}

TEST(ConsoleBacklog, DropsTheFrontOfAChunkNotAll) {
    ConsoleBacklog backlog(5);
    backlog.push("abc\n");
    backlog.push("de\n"); // 7 bytes: "ab" go
    EXPECT_EQ(joined(backlog.take()), "[sfd: 2 bytes dropped]\nc\nde\n");
}
