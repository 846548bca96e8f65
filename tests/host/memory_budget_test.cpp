// Unit tests: MemoryBudget (src/host/memory_budget.h), sfd's admission of
// guests against the memory sizes of live guests, and MemTotal parsing.
#include "common/meminfo.h"
#include "host/memory_budget.h"

#include <gtest/gtest.h>

#include <limits>

using namespace sf;
using namespace sf::host;

namespace {
constexpr uint64_t MiB = 1ull << 20;
constexpr uint64_t GiB = 1ull << 30;
} // namespace

TEST(MemoryBudget, TheLimitIsTotalLessReserveTimesTheRatio) {
    auto one = MemoryBudget::create(16 * GiB, 256 * MiB, 1.0);
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->limit(), 16 * GiB - 256 * MiB);
    auto two = MemoryBudget::create(16 * GiB, 256 * MiB, 2.0);
    ASSERT_TRUE(two);
    EXPECT_EQ(two->limit(), 2 * (16 * GiB - 256 * MiB));
    auto tenth = MemoryBudget::create(10 * GiB + 256 * MiB, 256 * MiB, 0.1);
    ASSERT_TRUE(tenth);
    EXPECT_EQ(tenth->limit(), GiB);
    auto none = MemoryBudget::create(100 * MiB, 256 * MiB, 1.0);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->limit(), 0u) << "a reserve above MemTotal leaves nothing";
}

TEST(MemoryBudget, AdmitsUpToTheLimitExactlyAndNotAByteMore) {
    auto budget = MemoryBudget::create(1 * GiB + 256 * MiB, 256 * MiB, 1.0);
    ASSERT_TRUE(budget);
    EXPECT_TRUE(budget->admit(0, GiB));
    EXPECT_TRUE(budget->admit(GiB - 4 * MiB, 4 * MiB));
    auto over = budget->admit(GiB - 4 * MiB, 4 * MiB + 4096);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().kind, ErrorKind::ResourceExhausted);
    EXPECT_FALSE(budget->admit(GiB + 1, 0)) << "already past it";
    EXPECT_FALSE(budget->admit(UINT64_MAX - 1, 4 * MiB)) << "no wrap-around";
}

TEST(MemoryBudget, TheRefusalNamesTheNumbers) {
    auto budget = MemoryBudget::create(1 * GiB + 256 * MiB, 256 * MiB, 0.5);
    ASSERT_TRUE(budget);
    auto over = budget->admit(510 * MiB, 4 * MiB);
    ASSERT_FALSE(over);
    const std::string& message = over.error().message;
    EXPECT_EQ(message, "not enough host memory for 4.0 MiB more: live guests have 510.0 MiB of the 512.0 MiB "
                       "committable ((MemTotal 1280.0 MiB - reserve 256.0 MiB) x overcommit 0.5)");
}

TEST(MemoryBudget, TheRatioMustBePositive) {
    EXPECT_FALSE(MemoryBudget::create(GiB, 0, 0.0));
    EXPECT_FALSE(MemoryBudget::create(GiB, 0, -1.0));
    EXPECT_FALSE(MemoryBudget::create(GiB, 0, std::numeric_limits<double>::quiet_NaN()));
    auto huge = MemoryBudget::create(UINT64_MAX, 0, 1e30);
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->limit(), UINT64_MAX);
}

TEST(Meminfo, MemTotalInBytes) {
    auto total = parse_mem_total("MemTotal:       24563740 kB\nMemFree:        22988344 kB\n");
    ASSERT_TRUE(total) << total.error().message;
    EXPECT_EQ(*total, 24563740ull * 1024);
    EXPECT_FALSE(parse_mem_total("MemFree: 1 kB\n"));
    EXPECT_FALSE(parse_mem_total("SwapMemTotal: 1 kB\n")) << "only the field at a line's start";
    auto live = mem_total();
    ASSERT_TRUE(live) << live.error().message;
    EXPECT_GT(*live, 0u);
}
