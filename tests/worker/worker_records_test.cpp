// Unit tests: the records a worker writes itself into a snapshot
// (src/host/worker/worker_records.h): a console ring's Console record and a
// guest's store watches as a Watches record, each saved and loaded back.
// No KVM.
#include "host/worker/console_ring.h"
#include "host/worker/store_link.h"
#include "host/worker/worker_records.h"
#include "store/store.h"

#include <cstring>
#include <gtest/gtest.h>
#include <mutex>
#include <vector>

using namespace sf;
using namespace sf::host;
using namespace std::string_literals;

TEST(ConsoleRecord, RoundTripsKeptBytesAndTotal) {
    ConsoleRing ring(8);
    ring.append("hello ");
    ring.append("world!"); // wraps: keeps "o world!"... the last 8
    const std::string payload = ring.save();
    ASSERT_EQ(payload.size(), sizeof(records::ConsoleRecord) + 8);

    ConsoleRing back(8);
    ASSERT_TRUE(back.load(payload));
    EXPECT_EQ(back.contents(), ring.contents());
    EXPECT_EQ(back.contents(), "o world!");
    EXPECT_EQ(back.total(), 12u);
    back.append("xy"); // and it goes on as a ring
    EXPECT_EQ(back.contents(), "world!xy");
    EXPECT_EQ(back.total(), 14u);
}

TEST(ConsoleRecord, ASmallerRingKeepsTheNewestBytes) {
    ConsoleRing ring(16);
    ring.append("0123456789");
    ConsoleRing small(4);
    ASSERT_TRUE(small.load(ring.save()));
    EXPECT_EQ(small.contents(), "6789");
    EXPECT_EQ(small.total(), 10u);
}

TEST(ConsoleRecord, EmptyRing) {
    ConsoleRing ring(16);
    ConsoleRing back(16);
    back.append("old");
    ASSERT_TRUE(back.load(ring.save()));
    EXPECT_EQ(back.contents(), "");
    EXPECT_EQ(back.total(), 0u);
}

TEST(ConsoleRecord, RefusesMalformedPayloads) {
    ConsoleRing ring(16);
    ring.append("abc");
    const std::string good = ring.save();
    ConsoleRing back(16);
    back.append("kept");
    EXPECT_FALSE(back.load(good.substr(0, 10))); // shorter than its header
    EXPECT_FALSE(back.load(good + "x"));         // more bytes than it says
    std::string wrong_version = good;
    wrong_version[0] = 9;
    EXPECT_FALSE(back.load(wrong_version));
    std::string more_kept_than_total = good;
    const uint64_t total = 1;
    std::memcpy(more_kept_than_total.data() + offsetof(records::ConsoleRecord, total), &total, sizeof total);
    EXPECT_FALSE(back.load(more_kept_than_total));
    EXPECT_EQ(back.contents(), "kept"); // unchanged by the failures
}

namespace {

// StoreLinks with a fake sfd answering synchronously inside SendFn: every
// request gets "OK" of its own type; sent messages are recorded.
struct FakeStore {
    std::mutex mutex;
    std::vector<std::pair<uint64_t, vmm::StoreMessage>> sent; // (guest, request)
    StoreLinks* links = nullptr;

    std::unique_ptr<StoreLinks> make() {
        auto made =
            std::make_unique<StoreLinks>([this](uint64_t request_id, uint64_t guest_id, std::string_view m) {
                Result<vmm::StoreMessage> request = StoreLinks::decode(m);
                if (!request) return Result<void>(request.error());
                {
                    std::lock_guard lock(mutex);
                    sent.emplace_back(guest_id, *request);
                }
                links->receive(request_id, guest_id, StoreLinks::encode(request->type, 0, "OK\0"s));
                return ok();
            });
        links = made.get();
        return made;
    }
};

} // namespace

TEST(WatchesRecord, AcceptedWatchesRoundTripAndAreRegisteredAgain) {
    FakeStore source_store;
    auto source = source_store.make();
    auto port = source->open(5, nullptr);
    ASSERT_TRUE(port);
    ASSERT_TRUE((*port)->request(vmm::xs::kWatch, "data/a\0tok1\0"s));
    ASSERT_TRUE((*port)->request(vmm::xs::kWatch, "data/b\0\0"s)); // an empty token
    ASSERT_TRUE((*port)->request(vmm::xs::kWatch, "data/c\0t\0"s));
    ASSERT_TRUE((*port)->request(vmm::xs::kUnwatch, "data/c\0t\0"s)); // removed again
    const std::string payload = source->save_watches(5);

    records::WatchesRecord header;
    std::memcpy(&header, payload.data(), sizeof header);
    EXPECT_EQ(header.version, records::kWatchesVersion);
    EXPECT_EQ(header.count, 2u);

    FakeStore target_store;
    auto target = target_store.make();
    ASSERT_TRUE(target->open(9, nullptr));
    Result<size_t> restored = target->restore_watches(9, payload);
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(*restored, 2u);
    ASSERT_EQ(target_store.sent.size(), 2u); // registered with the new sfd at once
    for (const auto& [guest, request] : target_store.sent) {
        EXPECT_EQ(guest, 9u);
        EXPECT_EQ(request.type, vmm::xs::kWatch);
    }
    EXPECT_EQ(target_store.sent[0].second.payload, "data/a\0tok1\0"s);
    EXPECT_EQ(target_store.sent[1].second.payload, "data/b\0\0"s);
    EXPECT_EQ(target->save_watches(9), payload); // remembered as accepted
    EXPECT_EQ(target->stats()["unmatched"], 0);  // the registrations' replies were expected
    EXPECT_EQ(target->replay_watches(), 2u);     // and a restarted sfd would get them too
}

TEST(WatchesRecord, NoLinkMeansNoWatches) {
    FakeStore store;
    auto links = store.make();
    const std::string none = links->save_watches(3);
    EXPECT_EQ(none.size(), sizeof(records::WatchesRecord));
    Result<size_t> restored = links->restore_watches(3, none); // a guest without a store: fine when empty
    ASSERT_TRUE(restored);
    EXPECT_EQ(*restored, 0u);

    auto other = store.make();
    ASSERT_TRUE(other->open(1, nullptr));
    const records::WatchesRecord header{records::kWatchesVersion, 1};
    const records::WatchEntry entry{4, 1};
    std::string payload(reinterpret_cast<const char*>(&header), sizeof header);
    payload.append(reinterpret_cast<const char*>(&entry), sizeof entry);
    payload += "pathT";
    EXPECT_TRUE(other->restore_watches(1, payload));
    EXPECT_FALSE(links->restore_watches(3, payload)); // guest 3 has no store link
}

TEST(WatchesRecord, RefusesMalformedPayloads) {
    FakeStore store;
    auto links = store.make();
    ASSERT_TRUE(links->open(1, nullptr));
    const records::WatchesRecord header{records::kWatchesVersion, 1};
    const std::string head(reinterpret_cast<const char*>(&header), sizeof header);
    auto entry = [](uint32_t path, uint32_t token) {
        const records::WatchEntry e{path, token};
        return std::string(reinterpret_cast<const char*>(&e), sizeof e);
    };
    EXPECT_FALSE(links->restore_watches(1, head.substr(0, 4)));                              // short header
    EXPECT_FALSE(links->restore_watches(1, head));                                           // entry missing
    EXPECT_FALSE(links->restore_watches(1, head + entry(4, 1) + "pat"));                     // cut short
    EXPECT_FALSE(links->restore_watches(1, head + entry(4, 1) + "pathTx"));                  // trailing bytes
    EXPECT_FALSE(links->restore_watches(1, head + entry(4, 1) + "pa\0hT"s));                 // a NUL inside
    EXPECT_FALSE(links->restore_watches(1, head + entry(5000, 0) + std::string(5000, 'p'))); // too long
    const records::WatchesRecord v2{2, 0};
    EXPECT_FALSE(links->restore_watches(1, std::string(reinterpret_cast<const char*>(&v2), sizeof v2)));
    EXPECT_TRUE(store.sent.empty()); // nothing registered by a refused record
}

// A guest has at most the store's 128 watches: a record bringing more (each
// one registered with sfd at once) is refused, and none of it is registered.
TEST(WatchesRecord, RefusesMoreWatchesThanTheStoreAllowsAGuest) {
    auto record = [](size_t count) {
        const records::WatchesRecord header{records::kWatchesVersion, static_cast<uint32_t>(count)};
        std::string payload(reinterpret_cast<const char*>(&header), sizeof header);
        for (size_t i = 0; i < count; ++i) {
            const std::string path = "data/w" + std::to_string(i);
            const records::WatchEntry entry{static_cast<uint32_t>(path.size()), 1};
            payload.append(reinterpret_cast<const char*>(&entry), sizeof entry);
            payload += path + "t";
        }
        return payload;
    };
    FakeStore store;
    auto links = store.make();
    ASSERT_TRUE(links->open(1, nullptr));
    Result<size_t> refused = links->restore_watches(1, record(store::kWatchesPerConnection + 1));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("a guest may have 128"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(store.sent.empty());
    EXPECT_EQ(links->save_watches(1), record(0)) << "nothing remembered";

    Result<size_t> restored = links->restore_watches(1, record(store::kWatchesPerConnection));
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(*restored, store::kWatchesPerConnection);
    EXPECT_EQ(store.sent.size(), store::kWatchesPerConnection);
}
