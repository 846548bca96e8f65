// A store populated like 10,000 guests with 17 entries each (counts only:
// speed is measured by sf-bench store, not here).
#include "store_core_fixture.h"

#include <fmt/format.h>

namespace sf::store::test {
namespace {

inline constexpr DomainId kGuests = 10000;
inline constexpr const char* kGuestKeys[] = {
    "name",   "image",        "memory",       "state",          "vcpus",         "created",
    "worker", "console/ring", "console/size", "device/nic/mac", "device/nic/ip", "data/page",
};

TEST(StoreScale, TenThousandGuestsWithSeventeenEntriesEach) {
    auto created = Store::create(MemBackend::create());
    ASSERT_TRUE(created.ok());
    Store& store = **created;
    ConnectionId dom0 = store.connect(kDom0, true);
    for (DomainId domid = 1; domid <= kGuests; ++domid) {
        std::string home = fmt::format("/local/domain/{}", domid);
        ASSERT_TRUE(store.mkdir(dom0, 0, home).ok());
        ASSERT_TRUE(store.set_perms(dom0, 0, home, Permissions::owned_by(domid)).ok());
        for (const char* key : kGuestKeys) {
            ASSERT_TRUE(store.write(dom0, 0, home + "/" + key, fmt::format("{}-{}", key, domid)).ok());
        }
    }
    // Per guest: home + 12 keys + implicit console, device, device/nic, data = 17 nodes.
    EXPECT_EQ(store.stats().nodes, 4u + 17u * kGuests);
    auto domains = store.directory(dom0, 0, "/local/domain");
    ASSERT_TRUE(domains.ok());
    EXPECT_EQ(domains->size(), kGuests);
    EXPECT_EQ(*store.read(dom0, 0, "/local/domain/4321/device/nic/ip"), "device/nic/ip-4321");
    ConnectionId guest = store.connect(4321, false);
    EXPECT_EQ(*store.read(guest, 0, "data/page"), "data/page-4321");
    EXPECT_EQ(store.read(guest, 0, "/local/domain/4322/name").error(), StoreError::Access);
    ASSERT_TRUE(store.rm(dom0, 0, "/local/domain/4321").ok());
    EXPECT_EQ(store.stats().nodes, 4u + 17u * (kGuests - 1));
    EXPECT_EQ(store.directory(dom0, 0, "/local/domain")->size(), kGuests - 1);
}

} // namespace
} // namespace sf::store::test
