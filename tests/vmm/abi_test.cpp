// Unit tests: the guest ABI layout (also checked by static_assert in abi.h;
// these pin the offsets the guest runtime and saved snapshots rely on).
#include "superfluid/abi.h"

#include <cstddef>
#include <gtest/gtest.h>

TEST(Abi, BootInfoLayout) {
    EXPECT_EQ(SF_ABI_VERSION, 3u);
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

TEST(Abi, StoreHypercall) {
    EXPECT_EQ(SF_HC_STORE, 7);
    EXPECT_EQ(sizeof(sf_hc_store), 32u);
    EXPECT_EQ(offsetof(sf_hc_store, op), 0u);
    EXPECT_EQ(offsetof(sf_hc_store, ret), 4u);
    EXPECT_EQ(offsetof(sf_hc_store, path), 8u);
    EXPECT_EQ(offsetof(sf_hc_store, path_len), 16u);
    EXPECT_EQ(offsetof(sf_hc_store, value_len), 20u);
    EXPECT_EQ(offsetof(sf_hc_store, value), 24u);
    EXPECT_EQ(SF_STORE_READ, 1);
    EXPECT_EQ(SF_STORE_NEXT_EVENT, 7);
    EXPECT_EQ(SF_POLL_STORE, 1ull << 63);
    EXPECT_EQ(SF_STORE_PATH_MAX, 3072u);
    // The store's errors are Linux's numbers.
    EXPECT_EQ(SF_ENOENT, 2);
    EXPECT_EQ(SF_EACCES, 13);
    EXPECT_EQ(SF_ENOSPC, 28);
    EXPECT_EQ(SF_E2BIG, 7);
    EXPECT_EQ(SF_ERANGE, 34);
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
