// superfluid worker tests: "save" and "restore" (docs/migration.md, "Worker
// operations") with real sf-worker processes and real guests (KVM): a ticker
// saved in one worker goes on counting in another; a broken file leaves
// nothing behind; a second operation on a guest is refused; destroy cancels.
#include "worker_test_support.h"

#include "common/json_fields.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

using namespace sf;
using namespace sf::test;
using namespace std::chrono_literals;

namespace {

constexpr int kConflict = 3; // ErrorKind::Conflict in a reply's "kind"

class WorkerSnapshotTest : public WorkerTest {
  protected:
    // A running ticker (id 1) in `worker`, paused and saved to a new file. Returns the file.
    UniqueFd save_ticker(WorkerUnderTest& worker, nlohmann::json& reply) {
        EXPECT_TRUE(worker.create_ticker(1));
        EXPECT_TRUE(wait_for_tick(worker, 1, 5));
        EXPECT_TRUE(worker.call(api::Pause{1}));
        UniqueFd file = temp_file();
        Result<nlohmann::json> saved = worker.call(api::Save{1}, file.get());
        EXPECT_TRUE(saved && !saved->contains("error")) << (saved ? saved->dump() : saved.error().message);
        if (saved) reply = *saved;
        return file;
    }
};

} // namespace

TEST_F(WorkerSnapshotTest, SavedTickerRestoredInAnotherWorkerKeepsCounting) {
    auto a = start_worker(0), b = start_worker(1);
    ASSERT_TRUE(a && b);
    nlohmann::json saved;
    UniqueFd file = save_ticker(*a, saved);
    ASSERT_TRUE(file.valid());
    struct stat st {};
    ASSERT_EQ(::fstat(file.get(), &st), 0);
    EXPECT_EQ(u64_field(saved, "bytes"), static_cast<uint64_t>(st.st_size));
    EXPECT_GT(u64_field(saved, "pages"), 0u);
    const std::string console_at_save = a->logs(1);
    const int at_save = last_tick(console_at_save);
    EXPECT_EQ(a->state(1), "paused");
    std::printf("save: %llu bytes, %llu pages, tick %d\n",
                static_cast<unsigned long long>(u64_field(saved, "bytes")),
                static_cast<unsigned long long>(u64_field(saved, "pages")), at_save);

    ASSERT_EQ(::lseek(file.get(), 0, SEEK_SET), 0);
    api::Restore request{ticker_fields(7)};
    request.guest.start = true;
    const auto before = std::chrono::steady_clock::now();
    Result<nlohmann::json> restored = b->call(request, file.get());
    const double restore_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before).count();
    ASSERT_TRUE(restored && !restored->contains("error"))
        << (restored ? restored->dump() : restored.error().message);
    EXPECT_EQ(u64_field(*restored, "bytes"), u64_field(saved, "bytes"));
    std::printf("restore: %.2f ms (request to reply)\n", restore_ms);

    ASSERT_TRUE(wait_for_tick(*b, 7, at_save + 5)) << b->logs(7);
    const std::string console = b->logs(7);
    EXPECT_EQ(console.rfind(console_at_save, 0), 0u) << "the console ring came along";
    EXPECT_TRUE(has_tick(console, at_save + 1)) << console;
    EXPECT_EQ(b->state(7), "running");
    EXPECT_EQ(last_tick(a->logs(1)), at_save) << "the saved guest stays paused";
    ASSERT_TRUE(a->call(api::Resume{1})); // and can go on (save --keep)
    EXPECT_TRUE(wait_for_tick(*a, 1, at_save + 3));
}

TEST_F(WorkerSnapshotTest, RestoredPausedWaitsForResume) {
    auto a = start_worker(0), b = start_worker(1);
    ASSERT_TRUE(a && b);
    nlohmann::json saved;
    UniqueFd file = save_ticker(*a, saved);
    ASSERT_EQ(::lseek(file.get(), 0, SEEK_SET), 0);
    const int at_save = last_tick(a->logs(1));
    api::Restore request{ticker_fields(7)};
    request.guest.start = false;
    Result<nlohmann::json> restored = b->call(request, file.get());
    ASSERT_TRUE(restored && !restored->contains("error"))
        << (restored ? restored->dump() : restored.error().message);
    EXPECT_EQ(b->state(7), "paused");
    EXPECT_FALSE(b->call(api::Start{7})->contains("ok")) << "a restored guest is resumed, not started";
    // The original, resumed, ticks on: once it has ticked ten more times (100 ms of its
    // clock, on a runner that got the CPU), the copy would have ticked too, had it run.
    ASSERT_TRUE(a->call(api::Resume{1})->contains("ok"));
    ASSERT_TRUE(wait_for_tick(*a, 1, at_save + 10));
    EXPECT_EQ(last_tick(b->logs(7)), at_save);
    ASSERT_TRUE(b->call(api::Resume{7})->contains("ok"));
    EXPECT_TRUE(wait_for_tick(*b, 7, at_save + 3));
}

TEST_F(WorkerSnapshotTest, TruncatedFileLeavesNothing) {
    auto a = start_worker(0), b = start_worker(1);
    ASSERT_TRUE(a && b);
    nlohmann::json saved;
    UniqueFd file = save_ticker(*a, saved);
    ASSERT_EQ(::ftruncate(file.get(), static_cast<off_t>(u64_field(saved, "bytes") / 2)), 0);
    ASSERT_EQ(::lseek(file.get(), 0, SEEK_SET), 0);
    api::Restore request{ticker_fields(7)};
    Result<nlohmann::json> restored = b->call(request, file.get());
    ASSERT_TRUE(restored);
    EXPECT_TRUE(restored->contains("error")) << restored->dump();
    std::printf("truncated restore: %s\n", string_field(*restored, "error").c_str());
    EXPECT_EQ(b->state(7), "");
    Result<nlohmann::json> stats = b->call(api::Stats{});
    ASSERT_TRUE(stats);
    EXPECT_EQ((*stats)["guests"], 0);
    EXPECT_EQ((*stats)["store"]["guests"], 0);
    EXPECT_TRUE(b->create_ticker(7)->contains("ok")) << "the id is free again";
}

TEST_F(WorkerSnapshotTest, OneOperationPerGuestAndDestroyCancelsIt) {
    auto a = start_worker(0);
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->create_ticker(1));
    ASSERT_TRUE(wait_for_tick(*a, 1, 2));
    auto [ours, theirs] = unix_pair(); // a receiver that never reads nor replies
    const uint64_t out = a->send(api::MigrateOut{1, 20000, std::nullopt}, theirs.get());
    theirs.reset();
    // The worker takes requests in order: the save and the pause come after the migration began.
    UniqueFd file = temp_file();
    Result<nlohmann::json> save = a->call(api::Save{1}, file.get());
    ASSERT_TRUE(save);
    EXPECT_EQ(i64_field(*save, "kind"), kConflict) << save->dump();
    Result<nlohmann::json> pause = a->call(api::Pause{1});
    ASSERT_TRUE(pause);
    EXPECT_EQ(i64_field(*pause, "kind"), kConflict) << pause->dump();

    // Destroy cancels a migration under way: its first bytes reached the receiver, which never
    // reads, so it is sending (and soon waits for room).
    pollfd sending{ours.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&sending, 1, 10000), 1) << "the migration never started sending";
    const auto before = std::chrono::steady_clock::now();
    Result<nlohmann::json> destroyed = a->call(api::Destroy{1});
    ASSERT_TRUE(destroyed);
    EXPECT_TRUE(destroyed->contains("ok")) << destroyed->dump();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    Result<nlohmann::json> migrated = a->reply(out);
    ASSERT_TRUE(migrated);
    EXPECT_TRUE(migrated->contains("error")) << migrated->dump();
    EXPECT_EQ(a->state(1), "");
}
