// Permissions: the wire form and who may do what.
#include "store/permissions.h"

#include <gtest/gtest.h>

namespace sf::store {
namespace {

using namespace std::string_view_literals;

TEST(StorePermissions, ParsesEntries) {
    auto parsed = Permissions::parse("n0\0r5\0w7\0b12\0"sv);
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(parsed->entries.size(), 4u);
    EXPECT_EQ(parsed->entries[0], (Permission{0, Access::None}));
    EXPECT_EQ(parsed->entries[1], (Permission{5, Access::Read}));
    EXPECT_EQ(parsed->entries[2], (Permission{7, Access::Write}));
    EXPECT_EQ(parsed->entries[3], (Permission{12, Access::Both}));
    EXPECT_EQ(parsed->owner(), 0u);
}

TEST(StorePermissions, FinalNulIsOptional) {
    auto with = Permissions::parse("b3\0r4\0"sv);
    auto without = Permissions::parse("b3\0r4"sv);
    ASSERT_TRUE(with && without);
    EXPECT_EQ(*with, *without);
}

TEST(StorePermissions, MalformedStringsAreRefused) {
    for (std::string_view bad : {""sv, "\0"sv, "x5"sv, "r"sv, "rabc"sv, "r5x"sv, "r-5"sv, "r+5"sv,
                                 "n0\0\0r1"sv, "n0\0x1\0"sv, "R5"sv, " r5"sv, "r99999999"sv, "r65536"sv}) {
        EXPECT_FALSE(Permissions::parse(bad).has_value()) << std::string(bad);
    }
    EXPECT_TRUE(Permissions::parse("r65535"sv).has_value());
}

TEST(StorePermissions, WireFormRoundTrips) {
    Permissions perms{{{3, Access::None}, {0, Access::Read}, {9, Access::Both}}};
    EXPECT_EQ(perms.to_wire(), "n3\0r0\0b9\0"sv);
    EXPECT_EQ(Permissions::parse(perms.to_wire()), perms);
    EXPECT_EQ(Permissions::owned_by(4).to_wire(), "n4\0"sv);
}

TEST(StorePermissions, OwnerMayDoEverything) {
    Permissions perms = *Permissions::parse("n5"sv);
    EXPECT_EQ(perms.access_of(5), Access::Both);
    EXPECT_EQ(perms.access_of(6), Access::None);
}

TEST(StorePermissions, FirstEntryIsTheDefaultForUnlistedDomains) {
    Permissions perms = *Permissions::parse("r0\0w3\0n4\0"sv);
    EXPECT_EQ(perms.access_of(0), Access::Both); // owner
    EXPECT_EQ(perms.access_of(3), Access::Write);
    EXPECT_EQ(perms.access_of(4), Access::None);
    EXPECT_EQ(perms.access_of(9), Access::Read);
    EXPECT_TRUE(can_read(Access::Both) && can_write(Access::Both));
    EXPECT_TRUE(can_read(Access::Read) && !can_write(Access::Read));
    EXPECT_TRUE(!can_read(Access::Write) && can_write(Access::Write));
    EXPECT_TRUE(!can_read(Access::None) && !can_write(Access::None));
}

TEST(StorePermissions, EmptyListGrantsNothing) {
    Permissions none;
    EXPECT_EQ(none.access_of(0), Access::None);
    EXPECT_EQ(none.owner(), kDom0);
}

} // namespace
} // namespace sf::store
