// Watches: first fire, changes at and below, removals, permissions, special paths.
#include "store_core_fixture.h"

namespace sf::store::test {
namespace {

using StoreWatch = StoreTest;
using Names = std::vector<std::string>;
using namespace std::string_view_literals;

TEST_F(StoreWatch, FiresOnceWhenSet) {
    ASSERT_TRUE(store->watch(dom0, "/w", "t1").ok());
    EXPECT_EQ(sink->take(dom0), (Names{"/w t1"}));
    EXPECT_EQ(store->stats().watches, 1u);
}

TEST_F(StoreWatch, FiresForChangesAtAndBelowOnly) {
    ASSERT_TRUE(store->watch(dom0, "/w", "t").ok());
    sink->take(dom0);
    write_ok(dom0, "/w", "1");
    write_ok(dom0, "/w/a/b", "2");
    write_ok(dom0, "/wx", "not below");
    write_ok(dom0, "/other", "no");
    ASSERT_TRUE(store->mkdir(dom0, 0, "/w/m").ok());
    ASSERT_TRUE(store->mkdir(dom0, 0, "/w/m").ok()); // exists: no change, no event
    ASSERT_TRUE(store->set_perms(dom0, 0, "/w/a", Permissions::owned_by(kDom0)).ok());
    ASSERT_TRUE(store->rm(dom0, 0, "/w/a/b").ok());
    EXPECT_EQ(sink->take(dom0), (Names{"/w t", "/w/a/b t", "/w/m t", "/w/a t", "/w/a/b t"}));
}

TEST_F(StoreWatch, WatchOnRootSeesEverything) {
    ASSERT_TRUE(store->watch(dom0, "/", "all").ok());
    sink->take(dom0);
    write_ok(dom0, "/x/y", "1");
    EXPECT_EQ(sink->take(dom0), (Names{"/x/y all"}));
}

TEST_F(StoreWatch, RemovingAnAncestorFiresWatchesBelowWithTheirOwnPath) {
    write_ok(dom0, "/r/a/b", "1");
    ASSERT_TRUE(store->watch(dom0, "/r/a/b", "deep").ok());
    ASSERT_TRUE(store->watch(dom0, "/r/a/absent", "never-existed").ok());
    ASSERT_TRUE(store->watch(dom0, "/r", "top").ok());
    ASSERT_TRUE(store->watch(dom0, "/rr", "sibling").ok());
    sink->take(dom0);
    ASSERT_TRUE(store->rm(dom0, 0, "/r/a").ok());
    auto events = sink->take(dom0);
    std::sort(events.begin(), events.end());
    EXPECT_EQ(events, (Names{"/r/a top", "/r/a/absent never-existed", "/r/a/b deep"}));
}

TEST_F(StoreWatch, NoEventForANodeTheWatcherCannotRead) {
    give_home(5);
    ConnectionId five = guest(5);
    ASSERT_TRUE(store->watch(five, "/tool", "t").ok()); // setting a watch needs no access
    ASSERT_TRUE(store->watch(five, "/local/domain/5", "home").ok());
    EXPECT_EQ(sink->take(five), (Names{"/tool t", "/local/domain/5 home"}));
    write_ok(dom0, "/tool/secret", "s");
    EXPECT_TRUE(sink->take(five).empty());
    write_ok(dom0, "/local/domain/5/cfg", "c");
    EXPECT_EQ(sink->take(five), (Names{"/local/domain/5/cfg home"}));
    // A node dom0 makes unreadable in the guest's home is not reported either.
    write_ok(dom0, "/local/domain/5/hidden", "");
    sink->take(five);
    ASSERT_TRUE(store->set_perms(dom0, 0, "/local/domain/5/hidden", Permissions::owned_by(kDom0)).ok());
    EXPECT_EQ(sink->take(five), (Names{"/local/domain/5/hidden home"})); // it could read it before
    write_ok(dom0, "/local/domain/5/hidden", "now secret");
    EXPECT_TRUE(sink->take(five).empty());
}

TEST_F(StoreWatch, RelativeWatchesGetRelativePaths) {
    give_home(5);
    ConnectionId five = guest(5);
    ASSERT_TRUE(store->watch(five, "data", "rel").ok());
    EXPECT_EQ(sink->take(five), (Names{"data rel"}));
    write_ok(five, "data/page", "hello");
    write_ok(dom0, "/local/domain/5/data/x", "y");
    EXPECT_EQ(sink->take(five), (Names{"data/page rel", "data/x rel"}));
    ASSERT_TRUE(store->rm(dom0, 0, "/local/domain/5").ok());
    EXPECT_EQ(sink->take(five), (Names{"data rel"}));
    // The same path given absolute is another watch, with absolute events.
    ASSERT_TRUE(store->watch(five, "/local/domain/5/data", "abs").ok());
    EXPECT_EQ(sink->take(five), (Names{"/local/domain/5/data abs"}));
}

TEST_F(StoreWatch, DuplicateIsExistsAndUnknownUnwatchIsNotFound) {
    ASSERT_TRUE(store->watch(dom0, "/w", "t").ok());
    EXPECT_STORE_ERROR(store->watch(dom0, "/w", "t"), StoreError::Exists);
    EXPECT_TRUE(store->watch(dom0, "/w", "other-token").ok());
    ConnectionId other = store->connect(kDom0, true, sink);
    EXPECT_TRUE(store->watch(other, "/w", "t").ok());
    EXPECT_STORE_ERROR(store->unwatch(dom0, "/w", "nope"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->unwatch(dom0, "/nope", "t"), StoreError::NotFound);
    EXPECT_STORE_ERROR(store->watch(dom0, "/bad//path", "t"), StoreError::Invalid);
    EXPECT_EQ(store->stats().watches, 3u);
}

TEST_F(StoreWatch, UnwatchStopsEvents) {
    ConnectionId other = store->connect(kDom0, true, sink);
    ASSERT_TRUE(store->watch(dom0, "/w", "t").ok());
    ASSERT_TRUE(store->watch(other, "/w", "t").ok());
    sink->take(dom0);
    sink->take(other);
    ASSERT_TRUE(store->unwatch(dom0, "/w", "t").ok());
    write_ok(dom0, "/w", "1");
    EXPECT_TRUE(sink->take(dom0).empty());
    EXPECT_EQ(sink->take(other), (Names{"/w t"}));
}

TEST_F(StoreWatch, ResetAndDisconnectRemoveWatches) {
    ConnectionId other = store->connect(kDom0, true, sink);
    ASSERT_TRUE(store->watch(dom0, "/a", "t").ok());
    ASSERT_TRUE(store->watch(dom0, "/b", "t").ok());
    ASSERT_TRUE(store->watch(other, "/a", "t").ok());
    sink->take(dom0);
    sink->take(other);
    ASSERT_TRUE(store->reset_watches(dom0).ok());
    EXPECT_EQ(store->stats().watches, 1u);
    write_ok(dom0, "/a", "1");
    write_ok(dom0, "/b", "1");
    EXPECT_TRUE(sink->take(dom0).empty());
    EXPECT_EQ(sink->take(other), (Names{"/a t"}));
    store->disconnect(other);
    EXPECT_EQ(store->stats().watches, 0u);
    write_ok(dom0, "/a", "2");
    EXPECT_TRUE(sink->take(other).empty());
    // Watches may be set again after a reset.
    EXPECT_TRUE(store->watch(dom0, "/a", "t").ok());
}

TEST_F(StoreWatch, SpecialPathsFireOnDomainIntroductionAndRelease) {
    ConnectionId five = guest(5);
    ASSERT_TRUE(store->watch(five, "@introduceDomain", "in").ok());
    ASSERT_TRUE(store->watch(dom0, "@releaseDomain", "out").ok());
    EXPECT_EQ(sink->take(five), (Names{"@introduceDomain in"}));
    EXPECT_EQ(sink->take(dom0), (Names{"@releaseDomain out"}));
    ASSERT_TRUE(store->introduce_domain(dom0, 9).ok());
    ASSERT_TRUE(store->introduce_domain(dom0, 9).ok()); // already introduced: no second event
    EXPECT_EQ(sink->take(five), (Names{"@introduceDomain in"}));
    EXPECT_TRUE(sink->take(dom0).empty());
    ASSERT_TRUE(store->release_domain(dom0, 9).ok());
    EXPECT_EQ(sink->take(dom0), (Names{"@releaseDomain out"}));
    EXPECT_TRUE(sink->take(five).empty());
    // Tree changes do not reach special watches.
    write_ok(dom0, "/x", "1");
    EXPECT_TRUE(sink->take(five).empty());
    ASSERT_TRUE(store->unwatch(five, "@introduceDomain", "in").ok());
}

// A sink that calls back into the store is forbidden, but one that reads
// shared state while events arrive must not deadlock: events come after unlock.
class ReadingSink final : public WatchSink {
  public:
    Store* store = nullptr;
    ConnectionId reader = 0;
    std::vector<std::string> seen;
    void deliver(ConnectionId, const WatchEvent& event) override {
        seen.push_back(store->stats().nodes > 0 ? event.path : "");
    }
};

TEST_F(StoreWatch, EventsAreDeliveredAfterTheMutexIsReleased) {
    auto reading = std::make_shared<ReadingSink>();
    reading->store = store.get();
    ConnectionId c = store->connect(kDom0, true, reading);
    ASSERT_TRUE(store->watch(c, "/w", "t").ok());
    write_ok(dom0, "/w", "1");
    EXPECT_EQ(reading->seen, (Names{"/w", "/w"}));
}

TEST_F(StoreWatch, FanOutToManyWatchers) {
    std::vector<ConnectionId> watchers;
    for (int i = 0; i < 1000; ++i) {
        watchers.push_back(store->connect(kDom0, true, sink));
        ASSERT_TRUE(store->watch(watchers.back(), "/local/domain", "t" + std::to_string(i)).ok());
    }
    for (ConnectionId w : watchers)
        sink->take(w);
    write_ok(dom0, "/local/domain/1/state", "running");
    for (size_t i = 0; i < watchers.size(); ++i) {
        EXPECT_EQ(sink->take(watchers[i]), (Names{"/local/domain/1/state t" + std::to_string(i)}));
    }
}

} // namespace
} // namespace sf::store::test
