// Unit tests: the built sfctl's save/restore/migrate against the transfer
// routes of a real ApiServer in front of a FakeGuestService (which keeps
// snapshots in memory and fails a migration to "unreachable..."): one line or
// -o json on success, one line on stderr and exit 1 on failure, exit 2 on a
// usage error, file names sent as given (sfd resolves them in its
// --snapshot-dir: SnapshotDir's tests, and the sfd snapshot tests).
#include "api_transfer_fixture.h"
#include "sfctl_run.h"

using nlohmann::json;
using sf::host::GuestState;
using sf::test::ApiTransfer;
using sf::test::expect_sfctl_failure;
using sf::test::ProcessResult;
using sf::test::run_sfctl;

namespace {

class SfctlTransfer : public ApiTransfer {
  protected:
    ProcessResult sfctl(std::vector<std::string> args, const std::string& cwd = "") {
        return run_sfctl(std::move(args), socket_path, cwd);
    }
};

TEST_F(SfctlTransfer, SaveSendsTheNameAsGivenAndPrintsOneLine) {
    add_guest("web");
    auto r = sfctl({"save", "web", "web.snap"}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // The file sfd answers with (the fake: the name it was sent, not made absolute in sfctl's directory).
    EXPECT_EQ(r.out, "saved web to web.snap (3 pages, 0.0 MiB, 1.5 ms)\n");
    EXPECT_TRUE(names().empty());
    ASSERT_EQ(restore(json{{"file", "web.snap"}})->status, 201);
}

TEST_F(SfctlTransfer, SaveKeepSaysItRunsOn) {
    add_guest("web");
    auto r = sfctl({"save", "web", snap(), "--keep"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "saved web to " + snap() + " (3 pages, 0.0 MiB, 1.5 ms); it runs on\n");
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
}

TEST_F(SfctlTransfer, SaveAsJson) {
    add_guest("web");
    auto r = sfctl({"save", "web", snap(), "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out;
    EXPECT_EQ(body["file"], snap());
    EXPECT_EQ(body["pages"], 3);
    EXPECT_EQ(body["bytes"], 3 * 4096);
    EXPECT_EQ(body["guest"]["name"], "web");
}

TEST_F(SfctlTransfer, SaveFailuresAreOneLine) {
    expect_sfctl_failure(sfctl({"save", "nope", snap()}), "save", "no guest 'nope'");
    add_guest("idle", /*start=*/false);
    expect_sfctl_failure(sfctl({"save", "idle", snap()}), "save", "not running");
    EXPECT_EQ(sfctl({"save", "idle"}).exit_code, 2);
    EXPECT_EQ(sfctl({"save"}).exit_code, 2);
    EXPECT_EQ(sfctl({"save", "idle", snap(), "-o", "yaml"}).exit_code, 2);
    EXPECT_EQ(names(), std::vector<std::string>{"idle"});
}

TEST_F(SfctlTransfer, RestorePrintsNameIdAndState) {
    add_guest("web");
    ASSERT_EQ(sfctl({"save", "web", "web.snap", "--keep"}, dir.path()).exit_code, 0);
    auto r = sfctl({"restore", "web.snap", "--name", "copy"}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, "restored copy (id 2, running)\n");
    r = sfctl({"restore", "web.snap", "--name", "held", "--paused"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "restored held (id 3, paused)\n");
    EXPECT_EQ(service.info("held")->state, GuestState::Paused);
    r = sfctl({"restore", "web.snap", "--name", "third", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json guest = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(guest.is_object()) << r.out;
    EXPECT_EQ(guest["name"], "third");
    EXPECT_EQ(guest["state"], "running");
    EXPECT_EQ(guest["id"], 4);
}

TEST_F(SfctlTransfer, RestoreFailuresAreOneLine) {
    expect_sfctl_failure(sfctl({"restore", "missing.snap"}, dir.path()), "restore",
                         "cannot open missing.snap");
    add_guest("web");
    ASSERT_EQ(sfctl({"save", "web", snap(), "--keep"}).exit_code, 0);
    expect_sfctl_failure(sfctl({"restore", snap()}), "restore", "a guest named 'web' exists already");
    EXPECT_EQ(sfctl({"restore"}).exit_code, 2);
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
}

TEST_F(SfctlTransfer, MigratePrintsItsFigures) {
    add_guest("web");
    auto r = sfctl({"migrate", "web", "10.99.0.2:7440"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, "migrated web to 10.99.0.2:7440 in 4.50 ms (downtime 1.25 ms, 2048.0 KiB, 3 rounds)\n");
    EXPECT_TRUE(names().empty());
    // Frames that reached it during the pause and followed it are counted when there were any.
    add_guest("db");
    r = sfctl({"migrate", "db", "busy.example:7440"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "migrated db to busy.example:7440 in 4.50 ms (downtime 1.25 ms, 2048.0 KiB, 3 rounds, "
                     "7 frames followed it)\n");
}

TEST_F(SfctlTransfer, MigrateAsJson) {
    add_guest("web");
    auto r = sfctl({"migrate", "web", "h2", "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out;
    EXPECT_EQ(body["guest"], "web");
    EXPECT_EQ(body["to"], "h2");
    EXPECT_EQ(body["rounds"], 3);
    EXPECT_EQ(body["bytes_sent"], 2u << 20);
    EXPECT_DOUBLE_EQ(body["downtime_ms"].get<double>(), 1.25);
}

TEST_F(SfctlTransfer, MigrateFailuresAreOneLineAndTheGuestStays) {
    add_guest("web");
    expect_sfctl_failure(sfctl({"migrate", "web", "unreachable:7440"}), "migrate",
                         "migrating 'web' to unreachable:7440 failed, it runs on here: no answer");
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
    expect_sfctl_failure(sfctl({"migrate", "nope", "h2"}), "migrate", "no guest 'nope'");
    EXPECT_EQ(sfctl({"migrate", "web"}).exit_code, 2);
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
}

} // namespace
