// Unit tests: the guest ABI layout (also checked by static_assert in abi.h;
// these pin the offsets the guest runtime and saved snapshots rely on).
#include "superfluid/abi.h"

#include <cstddef>
#include <gtest/gtest.h>

TEST(Abi, BootInfoLayout) {
    EXPECT_EQ(SF_ABI_VERSION, 2u);
    EXPECT_EQ(offsetof(sf_boot_info, abi_version), 0u);
    EXPECT_EQ(offsetof(sf_boot_info, nic_count), 4u);
    EXPECT_EQ(offsetof(sf_boot_info, mem_size), 8u);
    EXPECT_EQ(offsetof(sf_boot_info, tsc_hz), 16u);
    EXPECT_EQ(offsetof(sf_boot_info, guest_id), 24u);
    EXPECT_EQ(offsetof(sf_boot_info, name), 40u);
    EXPECT_EQ(offsetof(sf_boot_info, cmdline), 104u);
    EXPECT_EQ(offsetof(sf_boot_info, nics), 1128u);
    EXPECT_EQ(sizeof(sf_boot_info), 1256u);
    EXPECT_LE(SF_BOOT_INFO_GPA + sizeof(sf_boot_info), SF_BOOT_INFO_GPA + SF_PAGE_SIZE);
}

TEST(Abi, HypercallStructs) {
    EXPECT_EQ(offsetof(sf_hc_console_write, data), 0u);
    EXPECT_EQ(offsetof(sf_hc_console_write, len), 8u);
    EXPECT_EQ(offsetof(sf_hc_console_write, ret), 16u);
    EXPECT_EQ(offsetof(sf_hc_clock, wall_ns), 8u);
    EXPECT_EQ(offsetof(sf_hc_poll, ready_set), 8u);
    EXPECT_EQ(offsetof(sf_hc_exit, status), 0u);
    EXPECT_EQ(alignof(sf_hc_console_write), 8u);
}

TEST(Abi, HypercallNumbersAreStable) {
    EXPECT_EQ(SF_HC_CONSOLE_WRITE, 1);
    EXPECT_EQ(SF_HC_CLOCK, 2);
    EXPECT_EQ(SF_HC_POLL, 3);
    EXPECT_EQ(SF_HC_EXIT, 4);
    EXPECT_EQ(SF_HYPERCALL_PORT_BASE, 0x500u);
    // Every hypercall address fits the 32-bit `out` operand.
    EXPECT_LE(SF_MEM_MAX, 1ull << 32);
}
