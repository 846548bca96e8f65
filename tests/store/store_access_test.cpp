// Permission checks for unprivileged domains.
#include "store_core_fixture.h"

namespace sf::store::test {
namespace {

using StoreAccess = StoreTest;
using namespace std::string_view_literals;

TEST_F(StoreAccess, GuestCannotReadOrWriteDom0Nodes) {
    write_ok(dom0, "/tool/secret", "s");
    ConnectionId g = guest(5);
    EXPECT_STORE_ERROR(store->read(g, 0, "/tool/secret"), StoreError::Access);
    EXPECT_STORE_ERROR(store->write(g, 0, "/tool/secret", "x"), StoreError::Access);
    EXPECT_STORE_ERROR(store->write(g, 0, "/tool/new", "x"), StoreError::Access);
    EXPECT_STORE_ERROR(store->mkdir(g, 0, "/tool/dir"), StoreError::Access);
    EXPECT_STORE_ERROR(store->rm(g, 0, "/tool/secret"), StoreError::Access);
    EXPECT_STORE_ERROR(store->directory(g, 0, "/tool"), StoreError::Access);
    EXPECT_STORE_ERROR(store->get_perms(g, 0, "/tool/secret"), StoreError::Access);
    EXPECT_EQ(read_ok(dom0, "/tool/secret"), "s");
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/tool/new"), StoreError::NotFound);
}

TEST_F(StoreAccess, AbsentNodeUnderUnreadableParentIsAccessNotNotFound) {
    ConnectionId g = guest(5);
    EXPECT_STORE_ERROR(store->read(g, 0, "/tool/absent"), StoreError::Access);
    give_home(5);
    EXPECT_STORE_ERROR(store->read(g, 0, "absent"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->read(g, 0, "absent/deeper"), StoreError::NotFound);
}

TEST_F(StoreAccess, GuestWritesItsOwnSubtreeOnceGivenIt) {
    ConnectionId g = guest(5);
    EXPECT_STORE_ERROR(store->write(g, 0, "data/status", "up"), StoreError::Access);
    give_home(5);
    write_ok(g, "data/status", "up");
    EXPECT_EQ(read_ok(g, "/local/domain/5/data/status"), "up");
    EXPECT_EQ(read_ok(dom0, "/local/domain/5/data/status"), "up");
    ASSERT_TRUE(store->rm(g, 0, "data").ok());
    EXPECT_STORE_ERROR(store->read(g, 0, "data"), StoreError::NotFound);
}

TEST_F(StoreAccess, GuestCannotTouchAnotherGuest) {
    give_home(5);
    give_home(6);
    ConnectionId five = guest(5);
    ConnectionId six = guest(6);
    write_ok(six, "mine", "6");
    EXPECT_STORE_ERROR(store->read(five, 0, "/local/domain/6/mine"), StoreError::Access);
    EXPECT_STORE_ERROR(store->write(five, 0, "/local/domain/6/mine", "x"), StoreError::Access);
    EXPECT_STORE_ERROR(store->rm(five, 0, "/local/domain/6"), StoreError::Access);
    EXPECT_STORE_ERROR(store->directory(five, 0, "/local/domain"), StoreError::Access);
    EXPECT_EQ(read_ok(six, "mine"), "6");
}

TEST_F(StoreAccess, NewNodesInheritTheParentsPermissionsWithTheCreatorAsOwner) {
    give_home(5);
    // dom0 lets domain 7 read domain 5's home.
    ASSERT_TRUE(store->set_perms(dom0, 0, "/local/domain/5", perms("n5\0r7\0"sv)).ok());
    ConnectionId five = guest(5);
    write_ok(five, "a/b", "v");
    EXPECT_EQ(store->get_perms(dom0, 0, "/local/domain/5/a")->to_wire(), "n5\0r7\0"sv);
    EXPECT_EQ(store->get_perms(dom0, 0, "/local/domain/5/a/b")->to_wire(), "n5\0r7\0"sv);
    ConnectionId seven = guest(7);
    EXPECT_EQ(read_ok(seven, "/local/domain/5/a/b"), "v");
    EXPECT_STORE_ERROR(store->write(seven, 0, "/local/domain/5/a/b", "x"), StoreError::Access);
}

TEST_F(StoreAccess, NodesAGuestCreatesUnderAWritableDom0NodeBelongToTheGuest) {
    write_ok(dom0, "/shared", "");
    ASSERT_TRUE(store->set_perms(dom0, 0, "/shared", perms("n0\0b5\0"sv)).ok());
    ConnectionId five = guest(5);
    write_ok(five, "/shared/x", "1");
    EXPECT_EQ(store->get_perms(dom0, 0, "/shared/x")->to_wire(), "n5\0b5\0"sv);
    // dom0's own creations there stay dom0's.
    write_ok(dom0, "/shared/y", "2");
    EXPECT_EQ(store->get_perms(dom0, 0, "/shared/y")->to_wire(), "n0\0b5\0"sv);
}

TEST_F(StoreAccess, WriteAccessGrantedByAnEntry) {
    write_ok(dom0, "/w", "old");
    ASSERT_TRUE(store->set_perms(dom0, 0, "/w", perms("n0\0w5\0"sv)).ok());
    ConnectionId five = guest(5);
    write_ok(five, "/w", "new");
    EXPECT_STORE_ERROR(store->read(five, 0, "/w"), StoreError::Access); // write-only
    EXPECT_EQ(read_ok(dom0, "/w"), "new");
    EXPECT_EQ(store->get_perms(dom0, 0, "/w")->owner(), kDom0); // writing does not change the owner
}

TEST_F(StoreAccess, OnlyTheOwnerSetsPermsAndCannotGiveTheNodeAway) {
    give_home(5);
    ConnectionId five = guest(5);
    ConnectionId six = guest(6);
    write_ok(five, "x", "1");
    ASSERT_TRUE(store->set_perms(five, 0, "x", perms("n5\0r6\0"sv)).ok());
    EXPECT_EQ(read_ok(six, "/local/domain/5/x"), "1");
    EXPECT_STORE_ERROR(store->set_perms(five, 0, "x", perms("n6"sv)), StoreError::Perm);
    EXPECT_STORE_ERROR(store->set_perms(six, 0, "/local/domain/5/x", perms("n6"sv)), StoreError::Access);
    // Even with write access, a non-owner may not change permissions.
    ASSERT_TRUE(store->set_perms(five, 0, "x", perms("n5\0b6\0"sv)).ok());
    EXPECT_STORE_ERROR(store->set_perms(six, 0, "/local/domain/5/x", perms("n5\0b6\0b7\0"sv)),
                       StoreError::Access);
    EXPECT_EQ(store->get_perms(dom0, 0, "/local/domain/5/x")->to_wire(), "n5\0b6\0"sv);
}

TEST_F(StoreAccess, DomainManagementIsPrivileged) {
    ConnectionId five = guest(5);
    EXPECT_STORE_ERROR(store->introduce_domain(five, 6), StoreError::Perm);
    EXPECT_STORE_ERROR(store->release_domain(five, 6), StoreError::Perm);
    EXPECT_STORE_ERROR(store->is_domain_introduced(five, 6), StoreError::Perm);
    EXPECT_FALSE(*store->is_domain_introduced(dom0, 6));
    ASSERT_TRUE(store->introduce_domain(dom0, 6).ok());
    EXPECT_TRUE(*store->is_domain_introduced(dom0, 6));
    ASSERT_TRUE(store->release_domain(dom0, 6).ok());
    EXPECT_FALSE(*store->is_domain_introduced(dom0, 6));
    EXPECT_STORE_ERROR(store->release_domain(dom0, 6), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->introduce_domain(dom0, kMaxDomainId + 1), StoreError::Invalid);
}

} // namespace
} // namespace sf::store::test
