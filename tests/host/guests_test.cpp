// Guests (the API's guest service) over a real GuestRegistry and a
// FakeGuestKind: what a create, a lifecycle change, a destroy and the
// consoles ask of a guest's kind, and what a failure leaves behind.
#include "host/guests.h"

#include "fake_guest_kind.h"

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace sf;
using namespace sf::host;
using sf::test::FakeGuestKind;
using namespace std::chrono_literals;

class GuestsService : public ::testing::Test {
  protected:
    GuestsService()
        : registry_(
              RegistryOptions{MemoryBudget::create(1ull << 30, 0, 1.0).value(), 0, nullptr, nullptr, 0}),
          guests_(
              GuestsOptions{&registry_, &kind_, nullptr, nullptr, "fake", "a fake kind", 0, 1.0, nullptr}) {}

    CreateRequest request(const std::string& name, bool start = true) {
        CreateRequest r;
        r.image = "/images/idle";
        r.name = name;
        r.start = start;
        return r;
    }

    FakeGuestKind kind_;
    GuestRegistry registry_;
    Guests guests_;
};

TEST_F(GuestsService, ACreateBuildsTheGuestWhereTheKindPlacedIt) {
    Result<GuestInfo> web = guests_.create(request("web"));
    ASSERT_TRUE(web) << web.error().message;
    EXPECT_EQ(web->state, GuestState::Running);
    EXPECT_EQ(kind_.built, std::set<uint64_t>({web->id}));
    EXPECT_EQ(kind_.placed[web->worker], 1);
    Result<GuestInfo> idle = guests_.create(request("idle", false));
    ASSERT_TRUE(idle);
    EXPECT_EQ(idle->state, GuestState::Created);
}

// A create names its kind; the container kind gets the request's container fields, and the record says the
// kind.
TEST(GuestsKinds, ACreateGoesToTheKindItNames) {
    FakeGuestKind vms, containers;
    containers.kind_name = "container";
    GuestRegistry registry(
        RegistryOptions{MemoryBudget::create(1ull << 30, 0, 1.0).value(), 0, nullptr, nullptr, 0});
    Guests guests(
        GuestsOptions{&registry, &vms, nullptr, nullptr, "fake", "fake kinds", 0, 1.0, &containers});
    CreateRequest vm;
    vm.image = "/images/idle";
    ASSERT_TRUE(guests.create(vm));
    CreateRequest container;
    container.kind = "container";
    container.rootfs = "/rootfs";
    container.args = {"/bin/sh", "-c", "echo hi"};
    container.pids = 9;
    Result<GuestInfo> made = guests.create(container);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->kind, "container");
    EXPECT_EQ(made->image, "/rootfs");
    EXPECT_EQ(made->cmdline, "/bin/sh -c echo hi");
    ASSERT_EQ(vms.launches.size(), 1u);
    EXPECT_FALSE(vms.launches[0].container);
    ASSERT_EQ(containers.launches.size(), 1u);
    ASSERT_TRUE(containers.launches[0].container);
    EXPECT_EQ(containers.launches[0].container->rootfs, "/rootfs");
    EXPECT_EQ(containers.launches[0].container->args, container.args);
    EXPECT_EQ(containers.launches[0].container->pids, 9u);
    EXPECT_EQ(guests.info(std::to_string(made->id)).value().kind, "container");
    EXPECT_EQ(guests.list().value().front().kind, "vm");
}

TEST_F(GuestsService, AFailedBuildLeavesNoRecordAndFreesTheName) {
    kind_.fail_create = true;
    Result<GuestInfo> bad = guests_.create(request("web"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "fake: a bad image");
    EXPECT_TRUE(guests_.list().value().empty());
    EXPECT_EQ(kind_.placed[0], 0);
    kind_.fail_create = false;
    EXPECT_TRUE(guests_.create(request("web")));
}

TEST_F(GuestsService, BadRequestsAreRefusedBeforeAnythingIsPlaced) {
    kind_.fail_check = true; // the kind's own checks (a VM's: its image path, memory size, command line)
    EXPECT_EQ(guests_.create(request("r")).error().message, "fake: a bad request");
    kind_.fail_check = false;
    CreateRequest container = request("c");
    container.kind = "container"; // this Guests has no container kind
    EXPECT_EQ(guests_.create(container).error().message,
              "kind: this sfd makes no guests of kind \"container\"");
    CreateRequest ip_alone = request("i");
    ip_alone.ip = "10.0.0.5";
    EXPECT_EQ(guests_.create(ip_alone).error().message, "an address (ip) needs a network (net)");
    EXPECT_TRUE(kind_.placed.empty());
}

TEST_F(GuestsService, LifecycleChangesGoToTheKindAndAreRecorded) {
    ASSERT_TRUE(guests_.create(request("web", false)));
    EXPECT_EQ(guests_.pause("web").error().message, "cannot pause guest 'web': it is created");
    EXPECT_EQ(guests_.start("web").value().state, GuestState::Running);
    EXPECT_EQ(guests_.pause("web").value().state, GuestState::Paused);
    EXPECT_EQ(guests_.resume("web").value().state, GuestState::Running);
    ASSERT_EQ(kind_.changes.size(), 3u);
    EXPECT_EQ(kind_.changes[1].second, GuestChange::Pause);
}

TEST_F(GuestsService, DestroyEndsTheGuestAndItsRecord) {
    const uint64_t id = guests_.create(request("web")).value().id;
    ASSERT_TRUE(guests_.destroy("web"));
    EXPECT_TRUE(kind_.built.empty());
    EXPECT_EQ(kind_.released, std::vector<uint64_t>({id}));
    EXPECT_EQ(guests_.info("web").error().kind, ErrorKind::NotFound);
    EXPECT_EQ(guests_.destroy("web").error().kind, ErrorKind::NotFound);
}

TEST_F(GuestsService, ABusyGuestIsNotDestroyed) {
    ASSERT_TRUE(guests_.create(request("web")));
    ASSERT_TRUE(registry_.mark_busy("web", Busy::Saving));
    EXPECT_EQ(guests_.destroy("web").error().message, "guest 'web' is being saved");
    EXPECT_FALSE(kind_.built.empty());
}

TEST_F(GuestsService, AGuestWhoseHolderDiedIsStillDestroyedAndShowsNoConsole) {
    GuestInfo web = guests_.create(request("web")).value();
    EXPECT_EQ(guests_.info("web").value().console_bytes, 42u) << "asked of its kind";
    EXPECT_EQ(guests_.logs("web").value(), fmt::format("console of {}", web.id));
    registry_.holder_lost(&kind_, web.worker, "its worker died", [](uint64_t) {});
    EXPECT_EQ(guests_.logs("web").value(), "") << "the ring went with its holder";
    EXPECT_EQ(guests_.info("web").value().state, GuestState::Crashed);
    ASSERT_TRUE(guests_.destroy("web"));
    EXPECT_EQ(kind_.built.size(), 1u) << "a guest its holder lost is not asked for again";
}

TEST_F(GuestsService, WaitForOutputReturnsOnceTheGuestWrites) {
    CreateRequest waiting = request("web");
    waiting.wait_for_output = true;
    std::thread guest([&] {
        while (!registry_.find(uint64_t{1}))
            std::this_thread::yield();
        registry_.first_output(1, UINT64_MAX);
    });
    Result<GuestInfo> info = guests_.create(waiting);
    guest.join();
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_TRUE(info->first_output_ms.has_value());
}

TEST_F(GuestsService, AWaitedCreateWhoseGuestEndsSilentlyIsAConflictAndTheGuestStays) {
    CreateRequest waiting = request("silent");
    waiting.wait_for_output = true;
    std::thread guest([&] {
        while (!registry_.find(uint64_t{1}))
            std::this_thread::yield();
        registry_.ended(1, GuestState::Crashed, std::nullopt, "a bad pointer");
    });
    Result<GuestInfo> info = guests_.create(waiting);
    guest.join();
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().kind, ErrorKind::Conflict) << info.error().message;
    EXPECT_EQ(guests_.info("silent").value().state, GuestState::Crashed);
    EXPECT_TRUE(guests_.destroy("silent"));
}

TEST_F(GuestsService, HostInfoHasTheRegistrysAndTheKindsFigures) {
    ASSERT_TRUE(guests_.create(request("a")));
    ASSERT_TRUE(guests_.create(request("b", false)));
    const nlohmann::json host = guests_.host_info().value().json;
    EXPECT_EQ(host["guests"], 2);
    EXPECT_EQ(host["states"]["running"], 1);
    EXPECT_EQ(host["states"]["created"], 1);
    EXPECT_EQ(host["fake_slots"], 2);
    EXPECT_EQ(host["mem_committed"], 8u << 20);
    EXPECT_EQ(host["store"]["backend"], "none");
}

} // namespace
