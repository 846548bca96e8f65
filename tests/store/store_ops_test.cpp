// Node operations as dom0: read, write, mkdir, rm, directory, permissions.
#include "store_core_fixture.h"

namespace sf::store::test {
namespace {

using StoreOps = StoreTest;
using Names = std::vector<std::string>;

TEST_F(StoreOps, CreateMakesTheBaseNodes) {
    EXPECT_EQ(*store->directory(dom0, 0, "/"), (Names{"local", "tool"}));
    EXPECT_EQ(*store->directory(dom0, 0, "/local"), (Names{"domain"}));
    EXPECT_EQ(store->get_perms(dom0, 0, "/local/domain")->to_wire(), std::string("n0\0", 3));
    EXPECT_EQ(store->stats().nodes, 4u);
    EXPECT_STREQ(store->backend_name(), "mem");
}

TEST_F(StoreOps, WriteThenRead) {
    write_ok(dom0, "/tool/x", "hello");
    EXPECT_EQ(read_ok(dom0, "/tool/x"), "hello");
    write_ok(dom0, "/tool/x", "again");
    EXPECT_EQ(read_ok(dom0, "/tool/x"), "again");
    write_ok(dom0, "/tool/empty", "");
    EXPECT_EQ(read_ok(dom0, "/tool/empty"), "");
    std::string binary("a\0b\xff", 4);
    write_ok(dom0, "/tool/binary", binary);
    EXPECT_EQ(read_ok(dom0, "/tool/binary"), binary);
}

TEST_F(StoreOps, WriteCreatesMissingParentsWithEmptyValues) {
    write_ok(dom0, "/a/b/c/d", "leaf");
    EXPECT_EQ(read_ok(dom0, "/a"), "");
    EXPECT_EQ(read_ok(dom0, "/a/b/c"), "");
    EXPECT_EQ(read_ok(dom0, "/a/b/c/d"), "leaf");
    EXPECT_EQ(*store->directory(dom0, 0, "/a/b"), (Names{"c"}));
    EXPECT_EQ(store->stats().nodes, 8u);
}

TEST_F(StoreOps, RelativePathsAreUnderTheCallersHome) {
    ConnectionId dom0_relative = store->connect(kDom0, true);
    write_ok(dom0_relative, "name", "Domain-0");
    EXPECT_EQ(read_ok(dom0, "/local/domain/0/name"), "Domain-0");
}

TEST_F(StoreOps, ReadOfAbsentNodeIsNotFound) {
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/nope"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/nope/deeper"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->directory(dom0, 0, "/nope"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->get_perms(dom0, 0, "/nope"), StoreError::NotFound);
}

TEST_F(StoreOps, InvalidPathsAreRefusedByEveryOperation) {
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/a//b"), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->write(dom0, 0, "/a b", "x"), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->mkdir(dom0, 0, "/a/"), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->rm(dom0, 0, ""), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->directory(dom0, 0, "@introduceDomain"), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->write(dom0, 0, "@releaseDomain", "x"), StoreError::Invalid);
    EXPECT_EQ(store->stats().nodes, 4u);
}

TEST_F(StoreOps, MkdirCreatesAnEmptyNodeAndAcceptsAnExistingOne) {
    ASSERT_TRUE(store->mkdir(dom0, 0, "/m/n").ok());
    EXPECT_EQ(read_ok(dom0, "/m/n"), "");
    write_ok(dom0, "/m/n", "kept");
    ASSERT_TRUE(store->mkdir(dom0, 0, "/m/n").ok());
    EXPECT_EQ(read_ok(dom0, "/m/n"), "kept");
}

TEST_F(StoreOps, DirectoryIsSorted) {
    for (const char* name : {"zeta", "alpha", "Mid", "10", "9", "beta"})
        write_ok(dom0, std::string("/d/") + name, "");
    EXPECT_EQ(*store->directory(dom0, 0, "/d"), (Names{"10", "9", "Mid", "alpha", "beta", "zeta"}));
    EXPECT_TRUE(store->directory(dom0, 0, "/d/alpha")->empty());
}

TEST_F(StoreOps, RmRemovesTheWholeSubtree) {
    write_ok(dom0, "/r/a/x", "1");
    write_ok(dom0, "/r/a/y/z", "2");
    write_ok(dom0, "/r/b", "3");
    uint64_t before = store->stats().nodes;
    ASSERT_TRUE(store->rm(dom0, 0, "/r/a").ok());
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/r/a/y/z"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/r/a"), StoreError::NotFound);
    EXPECT_EQ(*store->directory(dom0, 0, "/r"), (Names{"b"}));
    EXPECT_EQ(store->stats().nodes, before - 4);
    // Recreating under a removed path starts empty.
    write_ok(dom0, "/r/a/new", "n");
    EXPECT_EQ(*store->directory(dom0, 0, "/r/a"), (Names{"new"}));
}

TEST_F(StoreOps, RmOfMissingNodeFollowsXenstored) {
    // Parent exists: success (C xenstored 4.17 do_rm); parent absent: NotFound.
    EXPECT_TRUE(store->rm(dom0, 0, "/tool/never").ok());
    EXPECT_STORE_ERROR(store->rm(dom0, 0, "/tool/never/deeper"), StoreError::NotFound);
}

TEST_F(StoreOps, RmOfRootIsRefused) {
    EXPECT_STORE_ERROR(store->rm(dom0, 0, "/"), StoreError::Invalid);
    EXPECT_EQ(store->stats().nodes, 4u);
}

TEST_F(StoreOps, SetPermsThenGetPerms) {
    write_ok(dom0, "/p", "v");
    Permissions wanted = perms(std::string_view("n3\0r5\0", 6));
    ASSERT_TRUE(store->set_perms(dom0, 0, "/p", wanted).ok());
    EXPECT_EQ(*store->get_perms(dom0, 0, "/p"), wanted);
    EXPECT_EQ(read_ok(dom0, "/p"), "v");
    EXPECT_STORE_ERROR(store->set_perms(dom0, 0, "/p", Permissions{}), StoreError::Invalid);
    EXPECT_STORE_ERROR(store->set_perms(dom0, 0, "/absent", wanted), StoreError::NotFound);
}

TEST_F(StoreOps, UnknownConnectionIsRefused) {
    EXPECT_STORE_ERROR(store->read(9999, 0, "/"), StoreError::Invalid);
    store->disconnect(dom0);
    store->disconnect(dom0); // idempotent
    EXPECT_STORE_ERROR(store->write(dom0, 0, "/x", "1"), StoreError::Invalid);
}

TEST_F(StoreOps, StatsCountConnections) {
    EXPECT_EQ(store->stats().connections, 1u);
    ConnectionId other = guest(4);
    EXPECT_EQ(store->stats().connections, 2u);
    store->disconnect(other);
    EXPECT_EQ(store->stats().connections, 1u);
}

// A back-end that fails every apply() after `fail_after` successes.
class FailingBackend final : public Backend {
  public:
    explicit FailingBackend(int* applies_left) : applies_left_(applies_left) {}
    const char* name() const override { return "failing"; }
    Result<std::optional<Node>> read(std::string_view path) override { return inner_->read(path); }
    Result<std::vector<std::string>> children(std::string_view path) override {
        return inner_->children(path);
    }
    Result<void> apply(const ChangeSet& changes) override {
        if (*applies_left_ == 0) return error("disk full");
        --*applies_left_;
        return inner_->apply(changes);
    }
    Result<void> for_each(const std::function<void(std::string_view, const Node&)>& visit) override {
        return inner_->for_each(visit);
    }

  private:
    std::unique_ptr<MemBackend> inner_ = MemBackend::create();
    int* applies_left_;
};

TEST(StoreBackendFailure, BackendErrorIsIoAndChangesNothing) {
    int applies_left = 1; // the base nodes
    auto created = Store::create(std::make_unique<FailingBackend>(&applies_left));
    ASSERT_TRUE(created.ok());
    Store& store = **created;
    ConnectionId root = store.connect(kDom0, true);
    EXPECT_STORE_ERROR(store.write(root, 0, "/local/domain/5", "x"), StoreError::Io);
    EXPECT_STORE_ERROR(store.read(root, 0, "/local/domain/5"), StoreError::NotFound);
    EXPECT_EQ(store.stats().nodes, 4u);
    TxId tx = *store.transaction_start(root);
    ASSERT_TRUE(store.write(root, tx, "/tool/t", "1").ok());
    EXPECT_STORE_ERROR(store.transaction_end(root, tx, true), StoreError::Io);
    EXPECT_EQ(store.stats().nodes, 4u);
    EXPECT_EQ(store.stats().commits, 0u);
}

} // namespace
} // namespace sf::store::test
