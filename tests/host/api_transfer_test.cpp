// Unit tests: the save, restore and migrate routes (docs/migration.md)
// through a real ApiServer on a unix socket in front of a FakeGuestService
// (which keeps snapshots in memory and fails a migration to "unreachable..."):
// the 200/201 shapes, every 400 naming its field, 404, 409 and the 503 of a
// failed migration. sfctl's save/restore/migrate against the same routes:
// tests/cli/sfctl_transfer_test.cpp.
#include "api_transfer_fixture.h"

using nlohmann::json;
using sf::host::GuestState;
using sf::test::ApiTransfer;
using sf::test::expect_error;
using sf::test::parse_body;

namespace {

std::vector<std::string> keys_of(const json& object) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : object.items())
        keys.push_back(key);
    return keys;
}

// ---- save ----

TEST_F(ApiTransfer, SaveIs200WithTheSavedGuestAndItsFigures) {
    add_guest("web");
    auto r = save("web", json{{"file", snap()}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json body = parse_body(r);
    EXPECT_EQ(keys_of(body), (std::vector<std::string>{"bytes", "file", "guest", "ms", "pages"}));
    EXPECT_EQ(body["file"], snap());
    EXPECT_EQ(body["bytes"], 3 * 4096);
    EXPECT_EQ(body["pages"], 3);
    EXPECT_DOUBLE_EQ(body["ms"].get<double>(), 1.5);
    EXPECT_EQ(body["guest"]["name"], "web");
    EXPECT_EQ(body["guest"]["state"], "running");
    EXPECT_EQ(body["guest"]["id"], 1);
    EXPECT_TRUE(names().empty()) << "without keep the guest is gone once saved";
}

TEST_F(ApiTransfer, SaveWithKeepLeavesTheGuestAndAcceptsAGuestById) {
    add_guest("web");
    auto r = save("1", json{{"file", snap()}, {"keep", true}});
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(parse_body(r)["guest"]["name"], "web");
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
    EXPECT_EQ(service.info("web")->state, GuestState::Running);
    // keep: false is the default spelled out.
    ASSERT_EQ(save("web", json{{"file", snap()}, {"keep", false}})->status, 200);
    EXPECT_TRUE(names().empty());
}

TEST_F(ApiTransfer, SaveOfAnUnknownGuestIs404AndOfACreatedOneIs409) {
    expect_error(save("nope", json{{"file", snap()}}), 404, "no guest 'nope'");
    add_guest("idle", /*start=*/false);
    expect_error(save("idle", json{{"file", snap()}}), 409, "not running");
    EXPECT_EQ(names(), std::vector<std::string>{"idle"});
}

struct BadTransfer {
    std::string body;
    std::string needle;
};

class SaveValidation : public ApiTransfer, public ::testing::WithParamInterface<BadTransfer> {};

TEST_P(SaveValidation, IsA400NamingTheFieldAndTheGuestStays) {
    add_guest("web");
    expect_error(post("/v1/guests/web/save", GetParam().body), 400, GetParam().needle);
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
    EXPECT_EQ(service.info("web")->state, GuestState::Running);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, SaveValidation,
    ::testing::Values(BadTransfer{"", "malformed JSON"}, BadTransfer{"{\"file\": ", "malformed JSON"},
                      BadTransfer{"[]", "expected a JSON object"}, BadTransfer{"{}", "file: required"},
                      BadTransfer{R"({"file": ""})", "file: must not be empty"},
                      BadTransfer{R"({"file": 7})", "file: expected a string"},
                      BadTransfer{R"({"file": null})", "file: expected a string"},
                      BadTransfer{R"({"file": "/tmp/x", "keep": "yes"})", "keep: must be true or false"},
                      BadTransfer{R"({"file": "/tmp/x", "keep": 1})", "keep: must be true or false"},
                      BadTransfer{R"({"file": "/tmp/x", "bogus": 1})", "unknown field \"bogus\""},
                      BadTransfer{R"({"file": "/tmp/x", "name": "x"})", "unknown field \"name\""}));

// ---- restore ----

TEST_F(ApiTransfer, RestoreIs201WithTheGuestAndItsLocation) {
    add_guest("web");
    ASSERT_EQ(save("web", json{{"file", snap()}})->status, 200);
    auto r = restore(json{{"file", snap()}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json guest = parse_body(r);
    EXPECT_EQ(keys_of(guest), (std::vector<std::string>{
                                  "cmdline", "console_bytes", "created_at", "exit_status", "first_output_ms",
                                  "id", "image", "kind", "mem", "name", "nic", "reason", "state", "worker"}));
    EXPECT_EQ(guest["name"], "web");
    EXPECT_EQ(guest["state"], "running");
    EXPECT_EQ(r->get_header_value("Location"), "/v1/guests/" + std::to_string(guest["id"].get<uint64_t>()));
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
}

TEST_F(ApiTransfer, RestorePausedAndUnderAnotherName) {
    add_guest("web");
    ASSERT_EQ(save("web", json{{"file", snap()}, {"keep", true}})->status, 200);
    auto r = restore(json{{"file", snap()}, {"name", "copy"}, {"start", false}});
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(parse_body(r)["state"], "paused");
    EXPECT_EQ(service.info("copy")->state, GuestState::Paused);
    EXPECT_EQ(service.info("web")->state, GuestState::Running);
}

TEST_F(ApiTransfer, RestoreOverAnExistingNameIs409AndChangesNothing) {
    add_guest("web");
    ASSERT_EQ(save("web", json{{"file", snap()}, {"keep", true}})->status, 200);
    const uint64_t id = service.info("web")->id;
    expect_error(restore(json{{"file", snap()}}), 409, "a guest named 'web' exists already");
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
    EXPECT_EQ(service.info("web")->id, id);
}

TEST_F(ApiTransfer, RestoreOfAMissingFileIs404) {
    expect_error(restore(json{{"file", dir / "missing.snap"}}), 404, "missing.snap");
    EXPECT_TRUE(names().empty());
}

class RestoreValidation : public ApiTransfer, public ::testing::WithParamInterface<BadTransfer> {};

TEST_P(RestoreValidation, IsA400NamingTheFieldAndNothingIsCreated) {
    add_guest("web");
    ASSERT_EQ(save("web", json{{"file", "/snap"}})->status, 200); // the fake keeps it in memory
    expect_error(post("/v1/guests/restore", GetParam().body), 400, GetParam().needle);
    EXPECT_TRUE(names().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, RestoreValidation,
    ::testing::Values(BadTransfer{"", "malformed JSON"}, BadTransfer{"\"/snap\"", "expected a JSON object"},
                      BadTransfer{"{}", "file: required"},
                      BadTransfer{R"({"name": "web"})", "file: required"},
                      BadTransfer{R"({"file": ""})", "file: must not be empty"},
                      BadTransfer{R"({"file": ["/snap"]})", "file: expected a string"},
                      BadTransfer{R"({"file": "/snap", "name": 5})", "name: expected a string"},
                      BadTransfer{R"({"file": "/snap", "start": "no"})", "start: must be true or false"},
                      BadTransfer{R"({"file": "/snap", "keep": true})", "unknown field \"keep\""},
                      BadTransfer{R"({"file": "/snap", "paused": true})", "unknown field \"paused\""}));

// A restored guest's name obeys the rules of a created one's: a name that
// create refuses (a slash, all digits: it would read as an id) is a 400 here too.
class RestoreNameValidation : public ApiTransfer, public ::testing::WithParamInterface<BadTransfer> {};

TEST_P(RestoreNameValidation, IsA400LikeCreatesAndNothingIsCreated) {
    add_guest("web");
    ASSERT_EQ(save("web", json{{"file", "/snap"}})->status, 200);
    expect_error(post("/v1/guests/restore", GetParam().body), 400, GetParam().needle);
    EXPECT_TRUE(names().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Names, RestoreNameValidation,
    ::testing::Values(BadTransfer{R"({"file": "/snap", "name": "a/b"})", "name: only letters"},
                      BadTransfer{R"({"file": "/snap", "name": "../etc"})", "name: only letters"},
                      BadTransfer{R"({"file": "/snap", "name": "12345"})", "name: must not be all digits"}));

// ---- migrate ----

TEST_F(ApiTransfer, MigrateIs200WithItsFiguresAndTheGuestIsGone) {
    add_guest("web");
    auto r = migrate("web", json{{"to", "10.99.0.2:7440"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json body = parse_body(r);
    EXPECT_EQ(keys_of(body), (std::vector<std::string>{"bytes_sent", "downtime_ms", "guest", "phases",
                                                       "rounds", "to", "total_ms"}));
    EXPECT_EQ(body["guest"], "web");
    EXPECT_EQ(body["to"], "10.99.0.2:7440");
    EXPECT_DOUBLE_EQ(body["total_ms"].get<double>(), 4.5);
    EXPECT_DOUBLE_EQ(body["downtime_ms"].get<double>(), 1.25);
    EXPECT_EQ(body["bytes_sent"], 2u << 20);
    EXPECT_EQ(body["rounds"], 3);
    EXPECT_TRUE(body["phases"].is_object());
    EXPECT_TRUE(names().empty());
}

TEST_F(ApiTransfer, MigrateFailureIs503AndTheGuestRunsOn) {
    add_guest("web");
    expect_error(migrate("web", json{{"to", "unreachable:7440"}}), 503, "failed, it runs on here");
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
    EXPECT_EQ(service.info("web")->state, GuestState::Running);
}

TEST_F(ApiTransfer, MigrateOfAnUnknownGuestIs404) {
    expect_error(migrate("nope", json{{"to", "10.99.0.2"}}), 404, "no guest 'nope'");
}

class MigrateValidation : public ApiTransfer, public ::testing::WithParamInterface<BadTransfer> {};

TEST_P(MigrateValidation, IsA400NamingTheFieldAndTheGuestStays) {
    add_guest("web");
    expect_error(post("/v1/guests/web/migrate", GetParam().body), 400, GetParam().needle);
    EXPECT_EQ(names(), std::vector<std::string>{"web"});
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, MigrateValidation,
    ::testing::Values(BadTransfer{"", "malformed JSON"}, BadTransfer{"[1]", "expected a JSON object"},
                      BadTransfer{"{}", "to: required"},
                      BadTransfer{R"({"host": "h2"})", "unknown field \"host\""},
                      BadTransfer{R"({"to": ""})", "to: must name a host"},
                      BadTransfer{R"({"to": 7440})", "to: expected a string"},
                      BadTransfer{R"({"to": {"host": "h2"}})", "to: expected a string"},
                      BadTransfer{R"({"to": "h2", "keep": true})", "unknown field \"keep\""}));

TEST_F(ApiTransfer, OtherMethodsOnTheTransferRoutesAre405) {
    add_guest("web");
    for (const char* path : {"/v1/guests/web/save", "/v1/guests/web/migrate"}) {
        auto r = client().Get(path);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 405) << path;
        EXPECT_EQ(r->get_header_value("Allow"), "POST") << path;
    }
    auto r = client().Get("/v1/guests/restore");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << "GET /v1/guests/restore asks for a guest named 'restore': " << r->body;
}

} // namespace
