// Unit tests: the worker Scheduler's states for snapshots and migration
// (src/host/worker/scheduler.h): a restored guest entering Paused with the
// wake-up of the poll it waited in, and quiesce() of guests that hold no
// runner. No KVM: these guests have no VM and are never queued to run.
#include "host/worker/scheduler.h"

#include "vmm/guest_clock.h"

#include <gtest/gtest.h>

#include <thread>

using namespace sf;
using namespace sf::host;
using namespace std::chrono_literals;

namespace {

struct NoEvents final : EventSink {
    void guest_event(uint64_t, const worker_api::GuestEvent&) override {}
    void guest_console(uint64_t, std::string_view) override {}
};

class WorkerSchedulerTest : public ::testing::Test {
  protected:
    NoEvents events;
    Scheduler scheduler{1, 10'000'000, events};
    std::shared_ptr<WorkerGuest> guest = std::make_shared<WorkerGuest>(1, 64, events);
    const uint64_t an_hour_from_now = vmm::host_monotonic_ns() + 3600'000'000'000ull;
};

} // namespace

TEST_F(WorkerSchedulerTest, RestoredGuestParkedInPollResumesParked) {
    ASSERT_TRUE(scheduler.add_paused(guest, an_hour_from_now));
    EXPECT_EQ(scheduler.state(*guest), RunState::Paused);
    EXPECT_FALSE(scheduler.start(guest)) << "a restored guest is resumed, not started";
    ASSERT_TRUE(scheduler.resume(guest));
    EXPECT_EQ(scheduler.state(*guest), RunState::Blocked);
    EXPECT_EQ(guest->blocked_until_host_ns, an_hour_from_now);
    EXPECT_EQ(scheduler.stats()["timers"], 1);
    EXPECT_EQ(scheduler.stats()["blocked"], 1);
}

TEST_F(WorkerSchedulerTest, RestoredGuestWaitingForEverNeedsNoTimer) {
    ASSERT_TRUE(scheduler.add_paused(guest, UINT64_MAX));
    ASSERT_TRUE(scheduler.resume(guest));
    EXPECT_EQ(scheduler.state(*guest), RunState::Blocked);
    EXPECT_EQ(scheduler.stats()["timers"], 0);
}

TEST_F(WorkerSchedulerTest, OnlyANewGuestCanBeAddedPaused) {
    ASSERT_TRUE(scheduler.add_paused(guest, std::nullopt));
    EXPECT_FALSE(scheduler.add_paused(guest, std::nullopt));
    EXPECT_FALSE(scheduler.pause(guest)); // already paused
}

TEST_F(WorkerSchedulerTest, QuiesceOfABlockedGuestPausesItAndResumeParksItAgain) {
    ASSERT_TRUE(scheduler.add_paused(guest, an_hour_from_now));
    ASSERT_TRUE(scheduler.resume(guest));
    Result<bool> was_running = scheduler.quiesce(guest, 100ms);
    ASSERT_TRUE(was_running) << was_running.error().message;
    EXPECT_TRUE(*was_running);
    EXPECT_EQ(scheduler.state(*guest), RunState::Paused);
    EXPECT_EQ(guest->pending_wake_host_ns, an_hour_from_now);
    EXPECT_EQ(scheduler.stats()["blocked"], 0);
    ASSERT_TRUE(scheduler.resume(guest));
    EXPECT_EQ(scheduler.state(*guest), RunState::Blocked);
    EXPECT_EQ(scheduler.stats()["timers"], 1) << "the first park's timer went with the pause";
}

// A guest parked with a far deadline and woken by I/O again and again (the
// runner's part, running it until it parks in poll again, is played by
// pause + resume with the same deadline: no runners here, nothing runs)
// keeps one timer, and none once it is removed.
TEST(WorkerSchedulerTimers, IoWakeUpsOfAFarParkedGuestKeepOneTimer) {
    NoEvents events;
    Scheduler scheduler{0, 10'000'000, events};
    auto guest = std::make_shared<WorkerGuest>(1, 64, events);
    const uint64_t far = vmm::host_monotonic_ns() + 3600'000'000'000ull;
    ASSERT_TRUE(scheduler.add_paused(guest, far));
    constexpr int kWakeUps = 10'000;
    for (int i = 0; i < kWakeUps; ++i) {
        ASSERT_TRUE(scheduler.resume(guest));
        ASSERT_EQ(scheduler.state(*guest), RunState::Blocked);
        ASSERT_EQ(scheduler.stats()["timers"], 1) << "after " << i << " I/O wake-ups";
        scheduler.notify(guest); // a frame arrives
        ASSERT_EQ(scheduler.state(*guest), RunState::Runnable);
        ASSERT_EQ(scheduler.stats()["timers"], 0);
        ASSERT_TRUE(scheduler.pause(guest));
        guest->pending_wake_host_ns = far; // it polls again with the same deadline
    }
    ASSERT_TRUE(scheduler.resume(guest));
    EXPECT_EQ(scheduler.stats()["timers"], 1);
    EXPECT_EQ(scheduler.stats()["blocked"], 1);
    (void)scheduler.remove(guest);
    EXPECT_EQ(scheduler.stats()["timers"], 0) << "a removed guest leaves no timer behind";
    EXPECT_EQ(scheduler.stats()["blocked"], 0);
}

// The timer still fires: a guest parked for a moment becomes runnable.
TEST(WorkerSchedulerTimers, ANearDeadlineWakesTheGuest) {
    NoEvents events;
    Scheduler scheduler{0, 10'000'000, events};
    auto guest = std::make_shared<WorkerGuest>(1, 64, events);
    ASSERT_TRUE(scheduler.add_paused(guest, vmm::host_monotonic_ns() + 20'000'000));
    ASSERT_TRUE(scheduler.resume(guest));
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (scheduler.state(*guest) == RunState::Blocked && std::chrono::steady_clock::now() < give_up)
        std::this_thread::yield();
    EXPECT_EQ(scheduler.state(*guest), RunState::Runnable);
    EXPECT_EQ(scheduler.stats()["timers"], 0);
    EXPECT_EQ(scheduler.stats()["blocked"], 0);
}

TEST_F(WorkerSchedulerTest, QuiesceOfAPausedOrNewGuestLeavesItSo) {
    Result<bool> created = scheduler.quiesce(guest, 100ms);
    ASSERT_TRUE(created);
    EXPECT_FALSE(*created);
    EXPECT_EQ(scheduler.state(*guest), RunState::Created);
    ASSERT_TRUE(scheduler.add_paused(guest, std::nullopt));
    Result<bool> paused = scheduler.quiesce(guest, 100ms);
    ASSERT_TRUE(paused);
    EXPECT_FALSE(*paused);
    EXPECT_EQ(scheduler.state(*guest), RunState::Paused);
}

TEST_F(WorkerSchedulerTest, QuiesceOfAnEndedGuestFails) {
    (void)scheduler.remove(guest);
    Result<bool> ended = scheduler.quiesce(guest, 100ms);
    ASSERT_FALSE(ended);
    EXPECT_EQ(ended.error().kind, ErrorKind::Conflict);
}
