// Unit tests: the checked accessor. No KVM needed: GuestMemory is plain memory.
#include "superfluid/abi.h"
#include "vmm/guest_memory.h"

#include <gtest/gtest.h>

using sf::vmm::Access;
using sf::vmm::GuestMemory;

namespace {

GuestMemory make(uint64_t size = 4ull << 20) {
    return std::move(GuestMemory::create(size).value());
}

} // namespace

TEST(GuestMemory, RejectsBadSizes) {
    EXPECT_NE(GuestMemory::create((4ull << 20) + 1).error().message.find("not a multiple of 4 KiB"),
              std::string::npos);
    EXPECT_NE(GuestMemory::create(1ull << 20).error().message.find("too small"), std::string::npos);
    EXPECT_NE(GuestMemory::create(8ull << 30).error().message.find("too big"), std::string::npos);
    EXPECT_TRUE(GuestMemory::create(SF_MEM_MIN).ok());
}

TEST(GuestMemory, GuestRangeIsAccessible) {
    GuestMemory mem = make();
    auto span = mem.guest_span(SF_GUEST_BASE_GPA, 16, Access::Write);
    ASSERT_TRUE(span.has_value());
    EXPECT_EQ(span->data(), mem.host_base() + SF_GUEST_BASE_GPA);
    EXPECT_EQ(span->size(), 16u);
    EXPECT_TRUE(mem.guest_span(mem.size() - 1, 1, Access::Write).has_value());
    EXPECT_TRUE(mem.guest_span(mem.size(), 0, Access::Read).has_value());
}

TEST(GuestMemory, RefusesOutsideAndOverflowingRanges) {
    GuestMemory mem = make();
    EXPECT_FALSE(mem.guest_span(mem.size(), 1, Access::Read));
    EXPECT_FALSE(mem.guest_span(mem.size() - 1, 2, Access::Read));
    EXPECT_FALSE(mem.guest_span(UINT64_MAX, 2, Access::Read));
    EXPECT_FALSE(mem.guest_span(SF_GUEST_BASE_GPA, UINT64_MAX, Access::Read));
    EXPECT_FALSE(mem.guest_span(0, 8, Access::Read));
}

TEST(GuestMemory, MonitorRangeIsPrivate) {
    GuestMemory mem = make();
    // Page tables and descriptor tables live in [8 KiB, 1 MiB): never the guest's.
    EXPECT_FALSE(mem.guest_span(0x3000, 8, Access::Read));
    EXPECT_FALSE(mem.guest_span(0x3000, 8, Access::Write));
    EXPECT_FALSE(mem.guest_span(SF_GUEST_BASE_GPA - 4, 8, Access::Read));
    // The boot info page is readable, not writable, and only within its page.
    EXPECT_TRUE(mem.guest_span(SF_BOOT_INFO_GPA, sizeof(sf_boot_info), Access::Read));
    EXPECT_FALSE(mem.guest_span(SF_BOOT_INFO_GPA, 8, Access::Write));
    EXPECT_FALSE(mem.guest_span(SF_BOOT_INFO_GPA + SF_PAGE_SIZE - 4, 8, Access::Read));
}

TEST(GuestMemory, StructsMustBeAlignedAndInside) {
    GuestMemory mem = make();
    EXPECT_NE(mem.guest_struct<sf_hc_clock>(SF_GUEST_BASE_GPA + 64, Access::Write), nullptr);
    EXPECT_EQ(mem.guest_struct<sf_hc_clock>(SF_GUEST_BASE_GPA + 3, Access::Write), nullptr);
    EXPECT_EQ(mem.guest_struct<sf_hc_clock>(mem.size() - 8, Access::Write), nullptr);
}
