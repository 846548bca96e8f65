// Optimistic transactions: isolation, own changes, conflicts, abort, events.
#include "store_core_fixture.h"

namespace sf::store::test {
namespace {

using StoreTransaction = StoreTest;
using Names = std::vector<std::string>;

TEST_F(StoreTransaction, ChangesAreInvisibleUntilCommit) {
    TxId tx = *store->transaction_start(dom0);
    ASSERT_NE(tx, 0u);
    ASSERT_TRUE(store->write(dom0, tx, "/t/a", "1").ok());
    EXPECT_EQ(*store->read(dom0, tx, "/t/a"), "1");
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/t/a"), StoreError::NotFound);
    ASSERT_TRUE(store->transaction_end(dom0, tx, true).ok());
    EXPECT_EQ(read_ok(dom0, "/t/a"), "1");
    EXPECT_EQ(store->stats().commits, 1u);
}

TEST_F(StoreTransaction, SeesItsOwnRemovalsAndDirectories) {
    write_ok(dom0, "/t/keep", "k");
    write_ok(dom0, "/t/gone/deep", "g");
    TxId tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->rm(dom0, tx, "/t/gone").ok());
    ASSERT_TRUE(store->write(dom0, tx, "/t/new", "n").ok());
    EXPECT_EQ(*store->directory(dom0, tx, "/t"), (Names{"keep", "new"}));
    EXPECT_EQ(*store->directory(dom0, 0, "/t"), (Names{"gone", "keep"}));
    EXPECT_STORE_ERROR(store->read(dom0, tx, "/t/gone/deep"), StoreError::NotFound);
    ASSERT_TRUE(store->transaction_end(dom0, tx, true).ok());
    EXPECT_EQ(*store->directory(dom0, 0, "/t"), (Names{"keep", "new"}));
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/t/gone/deep"), StoreError::NotFound);
}

TEST_F(StoreTransaction, RemoveAndRecreateInOneTransaction) {
    write_ok(dom0, "/t/a/old", "o");
    TxId tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->rm(dom0, tx, "/t/a").ok());
    ASSERT_TRUE(store->write(dom0, tx, "/t/a/fresh", "f").ok());
    ASSERT_TRUE(store->transaction_end(dom0, tx, true).ok());
    EXPECT_EQ(*store->directory(dom0, 0, "/t/a"), (Names{"fresh"}));
    EXPECT_EQ(store->stats().nodes, 4u + 3u);
}

TEST_F(StoreTransaction, ConflictingCommitFailsWithAgainAndChangesNothing) {
    write_ok(dom0, "/t/x", "0");
    TxId tx = *store->transaction_start(dom0);
    EXPECT_EQ(*store->read(dom0, tx, "/t/x"), "0");
    ASSERT_TRUE(store->write(dom0, tx, "/t/y", "from-tx").ok());
    write_ok(dom0, "/t/x", "1");                    // someone else changes what the transaction read
    EXPECT_EQ(*store->read(dom0, tx, "/t/x"), "0"); // still its view
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::Again);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/t/y"), StoreError::NotFound);
    EXPECT_EQ(read_ok(dom0, "/t/x"), "1");
    EXPECT_EQ(store->stats().conflicts, 1u);
    EXPECT_EQ(store->stats().commits, 0u);
    // The transaction is over.
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::NotFound);
}

TEST_F(StoreTransaction, ReadOfAbsentNodeConflictsWithItsCreation) {
    TxId tx = *store->transaction_start(dom0);
    EXPECT_STORE_ERROR(store->read(dom0, tx, "/t/flag"), StoreError::NotFound);
    write_ok(dom0, "/t/flag", "set");
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::Again);
}

TEST_F(StoreTransaction, DirectoryConflictsWithANewChild) {
    write_ok(dom0, "/t/a", "");
    TxId tx = *store->transaction_start(dom0);
    EXPECT_EQ(*store->directory(dom0, tx, "/t"), (Names{"a"}));
    ASSERT_TRUE(store->write(dom0, tx, "/other", "x").ok());
    write_ok(dom0, "/t/b", ""); // a new child of a directory the transaction listed
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::Again);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/other"), StoreError::NotFound);
}

TEST_F(StoreTransaction, UnrelatedChangesDoNotConflict) {
    write_ok(dom0, "/t/a", "1");
    TxId tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->write(dom0, tx, "/t/a", "2").ok());
    write_ok(dom0, "/tool/elsewhere", "x");
    ASSERT_TRUE(store->transaction_end(dom0, tx, true).ok());
    EXPECT_EQ(read_ok(dom0, "/t/a"), "2");
}

TEST_F(StoreTransaction, TwoTransactionsWritingOneNodeOneWins) {
    write_ok(dom0, "/t/counter", "0");
    TxId first = *store->transaction_start(dom0);
    TxId second = *store->transaction_start(dom0);
    ASSERT_NE(first, second);
    ASSERT_TRUE(store->write(dom0, first, "/t/counter", "1").ok());
    ASSERT_TRUE(store->write(dom0, second, "/t/counter", "2").ok());
    ASSERT_TRUE(store->transaction_end(dom0, first, true).ok());
    EXPECT_STORE_ERROR(store->transaction_end(dom0, second, true), StoreError::Again);
    EXPECT_EQ(read_ok(dom0, "/t/counter"), "1");
}

TEST_F(StoreTransaction, AbortDiscards) {
    TxId tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->write(dom0, tx, "/t/a", "1").ok());
    ASSERT_TRUE(store->transaction_end(dom0, tx, false).ok());
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/t/a"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->write(dom0, tx, "/t/a", "1"), StoreError::NotFound);
    EXPECT_EQ(store->stats().nodes, 4u);
    EXPECT_EQ(store->stats().transactions, 0u);
}

TEST_F(StoreTransaction, AnotherConnectionsTransactionIsNotFound) {
    ConnectionId other = store->connect(kDom0, true);
    TxId tx = *store->transaction_start(dom0);
    EXPECT_STORE_ERROR(store->write(other, tx, "/t/a", "1"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->read(other, tx, "/"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->transaction_end(other, tx, true), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->write(dom0, 12345, "/t/a", "1"), StoreError::NotFound);
    EXPECT_TRUE(store->transaction_end(dom0, tx, true).ok());
}

TEST_F(StoreTransaction, WatchEventsFireAtCommitOnly) {
    ASSERT_TRUE(store->watch(dom0, "/t", "tok").ok());
    EXPECT_EQ(sink->take(dom0), (Names{"/t tok"}));
    TxId tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->write(dom0, tx, "/t/a", "1").ok());
    EXPECT_TRUE(sink->take(dom0).empty());
    ASSERT_TRUE(store->transaction_end(dom0, tx, true).ok());
    EXPECT_EQ(sink->take(dom0), (Names{"/t/a tok"}));

    tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->write(dom0, tx, "/t/b", "1").ok());
    ASSERT_TRUE(store->transaction_end(dom0, tx, false).ok());
    EXPECT_TRUE(sink->take(dom0).empty());

    tx = *store->transaction_start(dom0);
    ASSERT_TRUE(store->write(dom0, tx, "/t/a", "2").ok());
    write_ok(dom0, "/t/a", "3");
    EXPECT_EQ(sink->take(dom0), (Names{"/t/a tok"}));
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::Again);
    EXPECT_TRUE(sink->take(dom0).empty());
}

TEST_F(StoreTransaction, DisconnectAbortsOpenTransactions) {
    ConnectionId other = store->connect(kDom0, true);
    TxId tx = *store->transaction_start(other);
    ASSERT_TRUE(store->write(other, tx, "/t/a", "1").ok());
    EXPECT_EQ(store->stats().transactions, 1u);
    store->disconnect(other);
    EXPECT_EQ(store->stats().transactions, 0u);
    EXPECT_STORE_ERROR(store->read(dom0, 0, "/t/a"), StoreError::NotFound);
}

TEST_F(StoreTransaction, GuestPermissionsApplyInsideTransactions) {
    give_home(5);
    ConnectionId five = guest(5);
    TxId tx = *store->transaction_start(five);
    EXPECT_STORE_ERROR(store->write(five, tx, "/tool/x", "1"), StoreError::Access);
    ASSERT_TRUE(store->write(five, tx, "x", "1").ok());
    ASSERT_TRUE(store->transaction_end(five, tx, true).ok());
    EXPECT_EQ(store->get_perms(dom0, 0, "/local/domain/5/x")->owner(), 5u);
}

TEST_F(StoreTransaction, ReadOnlyTransactionConflictsToo) {
    write_ok(dom0, "/t/a", "1");
    TxId tx = *store->transaction_start(dom0);
    EXPECT_EQ(*store->read(dom0, tx, "/t/a"), "1");
    write_ok(dom0, "/t/a", "2");
    EXPECT_STORE_ERROR(store->transaction_end(dom0, tx, true), StoreError::Again);
}

} // namespace
} // namespace sf::store::test
