// GuestRegistry against a FakeGuestKind: admission (names, ids, memory,
// placement, NIC), reservations undone when dropped, busy guests, events,
// console followers, a lost holder, and recovery's records.
#include "host/guest_registry.h"

#include "fake_guest_kind.h"

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace sf;
using namespace sf::host;
using sf::test::FakeGuestKind;
using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1ull << 20;

class Registry : public ::testing::Test {
  protected:
    // Room for 64 MiB of guests (4 MiB each by default).
    Registry()
        : registry_(
              RegistryOptions{MemoryBudget::create(64 * kMiB, 0, 1.0).value(), 0, nullptr, nullptr, 0}) {}

    Admission admission(const std::string& name, uint64_t mem = 4 * kMiB) {
        Admission a;
        a.kind = &kind_;
        a.name = name;
        a.image = "/images/idle";
        a.mem_size = mem;
        a.state = GuestState::Running;
        return a;
    }
    GuestRegistry::Reservation admit(const std::string& name) {
        Result<GuestRegistry::Reservation> r = registry_.admit(admission(name));
        EXPECT_TRUE(r) << r.error().message;
        return std::move(*r);
    }

    FakeGuestKind kind_;
    GuestRegistry registry_;
};

TEST_F(Registry, AdmitsNamesNumbersAndPlacesGuests) {
    GuestRegistry::Reservation a = admit("");
    GuestRegistry::Reservation b = admit("web");
    a.keep();
    b.keep();
    EXPECT_EQ(a.info.name, "guest-1");
    EXPECT_EQ(b.id(), 2u);
    EXPECT_NE(a.info.worker, b.info.worker) << "placed by the kind";
    EXPECT_EQ(registry_.find("web").value().info.id, 2u);
    EXPECT_EQ(registry_.find("1").value().info.name, "guest-1");
    EXPECT_EQ(registry_.find("nosuch").error().kind, ErrorKind::NotFound);
    EXPECT_EQ(registry_.list().size(), 2u);
}

TEST_F(Registry, ATakenNameIsRefusedAndNothingIsKept) {
    admit("web").keep();
    Result<GuestRegistry::Reservation> again = registry_.admit(admission("web"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
    EXPECT_EQ(kind_.placed[0] + kind_.placed[1], 1) << "the refused guest was never placed";
}

TEST_F(Registry, ADroppedReservationTakesBackEverythingAdmitTook) {
    {
        GuestRegistry::Reservation guest = admit("web");
        EXPECT_TRUE(registry_.find("web"));
    } // not kept: the create failed
    EXPECT_FALSE(registry_.find("web")) << "its record left";
    EXPECT_EQ(kind_.released, std::vector<uint64_t>({1}));
    EXPECT_EQ(kind_.placed[0], 0) << "its placement was released";
    admit("web").keep(); // and its name is free again
}

// A destroy may remove a guest whose create is still under way: its
// reservation, dropped later, then releases nothing a second time.
TEST_F(Registry, AReservationLeavesAloneARecordRemovedMeanwhile) {
    GuestRegistry::Reservation guest = admit("web");
    ASSERT_TRUE(registry_.remove(guest.id()));
    admit("other").keep();
    { GuestRegistry::Reservation dropped = std::move(guest); }
    EXPECT_TRUE(registry_.find("other"));
    EXPECT_EQ(kind_.released.size(), 1u) << "released once, by remove()";
}

TEST_F(Registry, MemoryPastTheBudgetIsRefusedBeforePlacing) {
    GuestRegistry::Reservation big = std::move(*registry_.admit(admission("big", 60 * kMiB)));
    big.keep();
    Result<GuestRegistry::Reservation> more = registry_.admit(admission("more", 8 * kMiB));
    ASSERT_FALSE(more);
    EXPECT_EQ(more.error().kind, ErrorKind::ResourceExhausted) << more.error().message;
    EXPECT_EQ(kind_.placed[0] + kind_.placed[1], 1);
    // An ended guest's memory is free again.
    registry_.ended(big.id(), GuestState::Exited, 0, {});
    EXPECT_TRUE(registry_.admit(admission("more", 8 * kMiB)));
}

TEST_F(Registry, AFailedPlacementOrNicKeepsNothing) {
    kind_.fail_place = true;
    EXPECT_EQ(registry_.admit(admission("web")).error().kind, ErrorKind::ResourceExhausted);
    kind_.fail_place = false;
    Admission a = admission("web");
    a.nic = []() -> Result<std::optional<NicLease>> { return error(ErrorKind::NotFound, "no network 'x'"); };
    Result<GuestRegistry::Reservation> refused = registry_.admit(a);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "no network 'x'");
    EXPECT_EQ(kind_.placed[0] + kind_.placed[1], 0) << "the placement made for it was released";
    EXPECT_FALSE(registry_.find("web"));
}

TEST_F(Registry, ABusyGuestHoldsOffOtherOperations) {
    admit("web").keep();
    ASSERT_TRUE(registry_.mark_busy("web", Busy::Migrating));
    Result<GuestEntry> again = registry_.mark_busy("web", Busy::Saving);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "guest 'web' is migrating");
    EXPECT_EQ(registry_.idle("web").error().kind, ErrorKind::Conflict);
    EXPECT_EQ(registry_.ready_for("web", GuestState::Running, "pause").error().kind, ErrorKind::Conflict);
    registry_.clear_busy(registry_.find("web")->info.id);
    EXPECT_TRUE(registry_.idle("web"));
}

TEST_F(Registry, OnlyARunningOrPausedGuestCanBeMarkedBusy) {
    Admission created = admission("new");
    created.state = GuestState::Created;
    registry_.admit(created).value().keep();
    Result<GuestEntry> busy = registry_.mark_busy("new", Busy::Saving);
    ASSERT_FALSE(busy);
    EXPECT_NE(busy.error().message.find("only a running or paused guest can be being saved"),
              std::string::npos)
        << busy.error().message;
}

TEST_F(Registry, StateChangesKeepAnEndThatCameMeanwhile) {
    GuestRegistry::Reservation guest = admit("web");
    guest.keep();
    EXPECT_EQ(registry_.ready_for("web", GuestState::Created, "start").error().message,
              "cannot start guest 'web': it is running");
    ASSERT_TRUE(registry_.ready_for("web", GuestState::Running, "pause"));
    registry_.ended(guest.id(), GuestState::Crashed, std::nullopt, "triple fault");
    GuestInfo info = registry_.changed(guest.id(), GuestState::Running, GuestState::Paused).value();
    EXPECT_EQ(info.state, GuestState::Crashed) << "the crash is not overwritten";
    EXPECT_EQ(info.reason, "triple fault");
}

TEST_F(Registry, WaitForOutputReturnsOnTheFirstByteOrTimesOut) {
    GuestRegistry::Reservation guest = admit("web");
    guest.keep();
    EXPECT_EQ(registry_.wait_for_output(guest.id(), 10ms).error().kind, ErrorKind::Unavailable);
    std::thread writer([&] { registry_.first_output(guest.id(), 1); });
    Result<GuestInfo> info = registry_.wait_for_output(guest.id(), 10s);
    writer.join();
    ASSERT_TRUE(info) << info.error().message;
}

TEST_F(Registry, AGuestThatEndsBeforeAnyOutputIsNoOutput) {
    GuestRegistry::Reservation exits = admit("exits"), crashes = admit("crashes");
    exits.keep();
    crashes.keep();
    registry_.ended(exits.id(), GuestState::Exited, 3, {});
    Result<GuestInfo> exited = registry_.wait_for_output(exits.id(), 10s);
    ASSERT_FALSE(exited);
    EXPECT_EQ(exited.error().kind, ErrorKind::Conflict);
    EXPECT_EQ(exited.error().message, "guest 'exits' exited with status 3 before writing any console output "
                                      "(GET /v1/guests/1)");
    registry_.ended(crashes.id(), GuestState::Crashed, std::nullopt, "triple fault");
    EXPECT_NE(registry_.wait_for_output(crashes.id(), 10s).error().message.find("crashed: triple fault"),
              std::string::npos);
    EXPECT_TRUE(registry_.find("exits")) << "its record stays, with how it ended";
    // Output first, then the end: that guest did write.
    GuestRegistry::Reservation hello = admit("hello");
    hello.keep();
    registry_.first_output(hello.id(), 1);
    registry_.ended(hello.id(), GuestState::Exited, 0, {});
    EXPECT_TRUE(registry_.wait_for_output(hello.id(), 10s));
}

TEST_F(Registry, AFollowerGetsTheRingThenNewBytesUntilTheGuestEnds) {
    GuestRegistry::Reservation guest = admit("web");
    guest.keep();
    std::string seen;
    std::atomic<bool> following = false;
    std::thread follow([&] {
        Result<void> done = registry_.follow(
            "web",
            [&](const GuestEntry&) -> Result<std::string> {
                following = true;
                return std::string("ring;");
            },
            [&](std::string_view bytes) {
                seen += bytes;
                return true;
            },
            [&](const GuestEntry& entry) { kind_.unfollow(entry.ref()); });
        EXPECT_TRUE(done);
    });
    while (!following)
        std::this_thread::yield();
    registry_.console(guest.id(), "new bytes;");
    registry_.ended(guest.id(), GuestState::Exited, 0, {});
    follow.join();
    EXPECT_EQ(seen, "ring;new bytes;");
    EXPECT_EQ(kind_.unfollowed, std::vector<uint64_t>({guest.id()}));
}

TEST_F(Registry, ALostHolderCrashesItsGuestsOnly) {
    GuestRegistry::Reservation a = admit("a"), b = admit("b");
    a.keep();
    b.keep();
    std::vector<uint64_t> lost;
    registry_.holder_lost(&kind_, a.info.worker, "its worker process 0 was killed",
                          [&](uint64_t id) { lost.push_back(id); });
    EXPECT_EQ(lost, std::vector<uint64_t>({a.id()}));
    GuestEntry entry = registry_.find("a").value();
    EXPECT_FALSE(entry.held);
    EXPECT_EQ(entry.info.state, GuestState::Crashed);
    EXPECT_EQ(entry.info.reason, "its worker process 0 was killed");
    EXPECT_EQ(registry_.find("b")->info.state, GuestState::Running);
    EXPECT_FALSE(registry_.holds(a.id(), &kind_, a.info.worker));
    EXPECT_TRUE(registry_.holds(b.id(), &kind_, b.info.worker));
    ASSERT_TRUE(registry_.remove(a.id()));
    EXPECT_EQ(kind_.placed[a.info.worker], 1) << "a lost guest's slot was not counted down again";
}

TEST_F(Registry, RecoveredRecordsWaitForTheirHolder) {
    GuestEntry stored;
    stored.info.id = 7;
    stored.info.name = "kept";
    stored.info.worker = 1;
    stored.info.state = GuestState::Running;
    stored.kind = &kind_;
    GuestEntry gone = stored;
    gone.info.id = 9;
    gone.info.name = "gone";
    registry_.recover({stored, gone});
    EXPECT_FALSE(registry_.find("kept")->held);
    EXPECT_FALSE(registry_.adopted(7, &kind_, 0, {GuestState::Paused, {}, {}, 10})) << "not in that slot";
    EXPECT_TRUE(registry_.adopted(7, &kind_, 1, {GuestState::Paused, {}, {}, 10}));
    EXPECT_EQ(registry_.mark_unadopted([](const GuestInfo& info) { return "lost " + info.name; }), 1u);
    EXPECT_EQ(registry_.find("kept")->info.state, GuestState::Paused);
    EXPECT_EQ(registry_.find("gone")->info.reason, "lost gone");
    EXPECT_EQ(admit("").id(), 10u) << "new ids start past the recovered ones";
}

TEST_F(Registry, AfterShutdownNothingIsAdmitted) {
    EXPECT_TRUE(registry_.shut_down());
    EXPECT_FALSE(registry_.shut_down());
    EXPECT_EQ(registry_.admit(admission("late")).error().kind, ErrorKind::Unavailable);
}

} // namespace
