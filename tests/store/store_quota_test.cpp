// Quotas of unprivileged domains: nodes, value size, watches, transactions.
#include "store_core_fixture.h"

namespace sf::store::test {
namespace {

class StoreQuota : public StoreTest {
  protected:
    void SetUp() override {
        StoreOptions options;
        options.quotas.nodes_per_domain = 5;
        options.quotas.value_bytes = 16;
        options.quotas.watches_per_connection = 3;
        options.quotas.transactions_per_connection = 2;
        open(options);
        give_home(5); // the home itself is owned by domain 5: one node used
    }
};

TEST_F(StoreQuota, NodesOwnedPerDomain) {
    ConnectionId five = guest(5);
    for (int i = 0; i < 4; ++i)
        write_ok(five, "n" + std::to_string(i), "v");
    EXPECT_STORE_ERROR(store->write(five, 0, "one-too-many", "v"), StoreError::Quota);
    EXPECT_STORE_ERROR(store->mkdir(five, 0, "one-too-many"), StoreError::Quota);
    // Overwriting an existing node needs no new one.
    write_ok(five, "n0", "again");
    // dom0 is not limited, even in the guest's home.
    write_ok(dom0, "/local/domain/5/by-dom0", "x");
}

TEST_F(StoreQuota, ImplicitParentsCountAndAFailedWriteCreatesNone) {
    ConnectionId five = guest(5);
    write_ok(five, "a", "");
    uint64_t nodes = store->stats().nodes;
    EXPECT_STORE_ERROR(store->write(five, 0, "b/c/d/e", "v"), StoreError::Quota); // 4 new, 3 left
    EXPECT_EQ(store->stats().nodes, nodes);
    EXPECT_STORE_ERROR(store->read(five, 0, "b"), StoreError::NotFound);
    write_ok(five, "b/c/d", "v"); // 3 new: exactly the quota
}

TEST_F(StoreQuota, RmGivesNodesBack) {
    ConnectionId five = guest(5);
    write_ok(five, "t/a", "");
    write_ok(five, "t/b", "");
    write_ok(five, "t/c", "");
    EXPECT_STORE_ERROR(store->write(five, 0, "u", "v"), StoreError::Quota);
    ASSERT_TRUE(store->rm(five, 0, "t").ok());
    for (int i = 0; i < 4; ++i)
        write_ok(five, "u" + std::to_string(i), "v");
    EXPECT_STORE_ERROR(store->write(five, 0, "u4", "v"), StoreError::Quota);
}

TEST_F(StoreQuota, GivingANodeAwayMovesItsCount) {
    ConnectionId five = guest(5);
    for (int i = 0; i < 4; ++i)
        write_ok(five, "n" + std::to_string(i), "v");
    ASSERT_TRUE(store->set_perms(dom0, 0, "/local/domain/5/n0", Permissions::owned_by(kDom0)).ok());
    write_ok(five, "n4", "v");
    EXPECT_STORE_ERROR(store->write(five, 0, "n5", "v"), StoreError::Quota);
}

TEST_F(StoreQuota, ValueSize) {
    ConnectionId five = guest(5);
    write_ok(five, "v", std::string(16, 'x'));
    EXPECT_STORE_ERROR(store->write(five, 0, "v", std::string(17, 'x')), StoreError::TooBig);
    EXPECT_EQ(read_ok(five, "v"), std::string(16, 'x'));
    write_ok(dom0, "/local/domain/5/v", std::string(4000, 'y')); // privileged: no quota
}

TEST_F(StoreQuota, WatchesPerConnection) {
    ConnectionId five = guest(5);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(store->watch(five, "w" + std::to_string(i), "t").ok());
    EXPECT_STORE_ERROR(store->watch(five, "w3", "t"), StoreError::Quota);
    ASSERT_TRUE(store->unwatch(five, "w0", "t").ok());
    EXPECT_TRUE(store->watch(five, "w3", "t").ok());
    // Another connection of the same domain has its own count.
    ConnectionId five_again = guest(5);
    EXPECT_TRUE(store->watch(five_again, "w0", "t").ok());
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(store->watch(dom0, "/w" + std::to_string(i), "t").ok());
}

TEST_F(StoreQuota, TransactionsPerConnection) {
    ConnectionId five = guest(5);
    TxId first = *store->transaction_start(five);
    TxId second = *store->transaction_start(five);
    EXPECT_STORE_ERROR(store->transaction_start(five), StoreError::Quota);
    ASSERT_TRUE(store->transaction_end(five, first, false).ok());
    TxId third = *store->transaction_start(five);
    ASSERT_TRUE(store->transaction_end(five, second, true).ok());
    ASSERT_TRUE(store->transaction_end(five, third, true).ok());
    EXPECT_EQ(store->stats().transactions, 0u);
}

TEST_F(StoreQuota, NodeQuotaCountsChangesInsideATransaction) {
    ConnectionId five = guest(5);
    TxId tx = *store->transaction_start(five);
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(store->write(five, tx, "n" + std::to_string(i), "v").ok());
    EXPECT_STORE_ERROR(store->write(five, tx, "n4", "v"), StoreError::Quota);
    ASSERT_TRUE(store->transaction_end(five, tx, false).ok());
    // The aborted transaction used nothing.
    for (int i = 0; i < 4; ++i)
        write_ok(five, "m" + std::to_string(i), "v");
    EXPECT_STORE_ERROR(store->write(five, 0, "m4", "v"), StoreError::Quota);
    // A committed removal gives its nodes back.
    tx = *store->transaction_start(five);
    ASSERT_TRUE(store->rm(five, tx, "m0").ok());
    ASSERT_TRUE(store->rm(five, tx, "m1").ok());
    ASSERT_TRUE(store->transaction_end(five, tx, true).ok());
    write_ok(five, "m4", "v");
    write_ok(five, "m5", "v");
    EXPECT_STORE_ERROR(store->write(five, 0, "m6", "v"), StoreError::Quota);
}

TEST_F(StoreQuota, CommitChecksTheNodeQuotaAgain) {
    // Two directories of domain 5 (dom0 creates them: they inherit the home's owner).
    ASSERT_TRUE(store->mkdir(dom0, 0, "/local/domain/5/a").ok());
    ASSERT_TRUE(store->mkdir(dom0, 0, "/local/domain/5/b").ok());
    ConnectionId five = guest(5);
    ConnectionId five_again = guest(5);
    TxId first = *store->transaction_start(five);
    TxId second = *store->transaction_start(five_again);
    ASSERT_TRUE(store->write(five, first, "a/x", "v").ok());
    ASSERT_TRUE(store->write(five_again, second, "b/y", "v").ok());
    ASSERT_TRUE(store->write(five_again, second, "b/z", "v").ok());
    ASSERT_TRUE(store->transaction_end(five, first, true).ok());
    uint64_t nodes = store->stats().nodes;
    // Each fitted alone (3 owned + 1, 3 owned + 2); together they would own 6 > 5.
    EXPECT_STORE_ERROR(store->transaction_end(five_again, second, true), StoreError::Quota);
    EXPECT_EQ(store->stats().nodes, nodes);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/local/domain/5/b/y"), StoreError::NotFound);
}

} // namespace
} // namespace sf::store::test
