// Several threads on one Store: transactions retried on Again lose no update,
// and watch events reach a sink while other threads keep changing the store.
#include "store_core_fixture.h"

#include <atomic>
#include <thread>

namespace sf::store::test {
namespace {

using StoreConcurrency = StoreTest;

// Reads the counter, writes counter + 1, commits; starts again on Again.
void increment(Store& store, ConnectionId c, const std::string& path, int times, std::atomic<int>& retries) {
    for (int done = 0; done < times;) {
        auto tx = store.transaction_start(c);
        ASSERT_TRUE(tx.ok());
        auto value = store.read(c, *tx, path);
        ASSERT_TRUE(value.ok());
        ASSERT_TRUE(store.write(c, *tx, path, std::to_string(std::stoi(*value) + 1)).ok());
        auto ended = store.transaction_end(c, *tx, true);
        if (ended.ok()) {
            ++done;
        } else {
            ASSERT_EQ(ended.error(), StoreError::Again);
            ++retries;
        }
    }
}

TEST_F(StoreConcurrency, TransactionalIncrementsLoseNothing) {
    write_ok(dom0, "/counter", "0");
    ASSERT_TRUE(store->watch(dom0, "/counter", "t").ok());
    constexpr int kThreads = 4;
    constexpr int kEach = 500;
    std::atomic<int> retries{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        ConnectionId c = store->connect(kDom0, true);
        threads.emplace_back([&, c] { increment(*store, c, "/counter", kEach, retries); });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(read_ok(dom0, "/counter"), std::to_string(kThreads * kEach));
    EXPECT_EQ(store->stats().commits, static_cast<uint64_t>(kThreads * kEach));
    EXPECT_EQ(store->stats().conflicts, static_cast<uint64_t>(retries.load()));
    // One event when set, then one per committed increment.
    EXPECT_EQ(sink->take(dom0).size(), static_cast<size_t>(1 + kThreads * kEach));
}

TEST_F(StoreConcurrency, WritersInTheirOwnSubtreesAndARemover) {
    constexpr int kThreads = 3;
    constexpr int kKeys = 300;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        ConnectionId c = store->connect(kDom0, true);
        threads.emplace_back([this, c, i] {
            for (int k = 0; k < kKeys; ++k) {
                ASSERT_TRUE(
                    store->write(c, 0, "/w" + std::to_string(i) + "/k" + std::to_string(k), "v").ok());
            }
        });
    }
    ConnectionId remover = store->connect(kDom0, true);
    for (int round = 0; round < 50; ++round)
        ASSERT_TRUE(store->rm(remover, 0, "/scratch").ok());
    for (auto& thread : threads)
        thread.join();
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(store->directory(dom0, 0, "/w" + std::to_string(i))->size(), static_cast<size_t>(kKeys));
    }
    EXPECT_EQ(store->stats().nodes, 4u + kThreads * (1u + kKeys));
}

} // namespace
} // namespace sf::store::test
