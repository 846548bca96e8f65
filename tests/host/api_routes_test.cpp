// Unit tests: sfd's API routes through a real ApiServer on a unix socket, in
// front of a FakeGuestService: every validation error, 404 and 405, the guest
// life cycle, logs and the console stream, with httplib's client.
#include "api_test_support.h"

#include <thread>

using nlohmann::json;
using sf::test::ApiFixture;
using sf::test::expect_error;
using sf::test::parse_body;

namespace {

const std::string kLongName(64, 'n');

class ApiRoutes : public ApiFixture {
  protected:
    httplib::Result post_create(const json& body) { return post_create(body.dump()); }
    httplib::Result post_create(const std::string& body) {
        return client().Post("/v1/guests", body, "application/json");
    }
    json with_image(json body) {
        body["image"] = image_path;
        return body;
    }
};

struct BadBody {
    std::string body; // "IMAGE" is replaced by the test image's path
    std::string needle;
};

class CreateValidation : public ApiRoutes, public ::testing::WithParamInterface<BadBody> {};

TEST_P(CreateValidation, IsA400NamingTheField) {
    std::string body = GetParam().body;
    if (size_t at = body.find("IMAGE"); at != std::string::npos) body.replace(at, 5, image_path);
    expect_error(post_create(body), 400, GetParam().needle);
    EXPECT_TRUE(service.list()->empty());
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, CreateValidation,
    ::testing::Values(
        BadBody{"", "malformed JSON"}, BadBody{"{\"image\": ", "malformed JSON"},
        BadBody{"{\"image\": \"\xff\xfe\"}", "malformed JSON"}, BadBody{"[]", "expected a JSON object"},
        BadBody{"null", "expected a JSON object"}, BadBody{"\"IMAGE\"", "expected a JSON object"},
        BadBody{"{}", "image: required"}, BadBody{R"({"image": 5})", "image: expected a string"},
        BadBody{R"({"image": ""})", "image: must not be empty"},
        BadBody{R"({"image": "IMAGE", "bogus": 1})", "unknown field \"bogus\""},
        BadBody{R"({"image": "IMAGE", "Name": "x"})", "unknown field \"Name\""},
        BadBody{R"({"image": "IMAGE", "name": ""})", "name: must not be empty"},
        BadBody{R"({"image": "IMAGE", "name": ")" + kLongName + "\"}", "name: 64 bytes"},
        BadBody{R"({"image": "IMAGE", "name": "a/b"})", "name: only letters"},
        BadBody{R"({"image": "IMAGE", "name": "../etc"})", "name: only letters"},
        BadBody{R"({"image": "IMAGE", "name": ".."})", "name: must not start with '.'"},
        BadBody{R"({"image": "IMAGE", "name": "web 1"})", "name: only letters"},
        BadBody{R"({"image": "IMAGE", "name": "12345"})", "name: must not be all digits"},
        BadBody{R"({"image": "IMAGE", "name": 7})", "name: expected a string"},
        BadBody{R"({"image": "IMAGE", "mem": "4X"})", "mem: invalid size \"4X\""},
        BadBody{R"({"image": "IMAGE", "mem": "1.5M"})", "mem: invalid size"},
        BadBody{R"({"image": "IMAGE", "mem": -4096})", "mem: must not be negative"},
        BadBody{R"({"image": "IMAGE", "mem": 4.5})", "mem: expected a size"},
        BadBody{R"({"image": "IMAGE", "mem": true})", "mem: expected a size"},
        BadBody{R"({"image": "IMAGE", "cmdline": ")" + std::string(1024, 'c') + "\"}", "cmdline: 1024 bytes"},
        BadBody{R"({"image": "IMAGE", "cmdline": ["a"]})", "cmdline: expected a string"},
        BadBody{R"({"image": "IMAGE", "cmdline": "a\u0000b"})", "cmdline: must not contain NUL"},
        BadBody{R"({"image": "IMAGE", "start": "yes"})", "start: expected true or false"},
        BadBody{R"({"image": "IMAGE", "wait": "always"})", "wait: expected \"output\" or \"none\""},
        BadBody{R"({"image": "IMAGE", "wait": true})", "wait: expected a string"},
        BadBody{R"({"image": "IMAGE", "wait_timeout_ms": "10"})", "wait_timeout_ms: expected"},
        BadBody{R"({"image": "IMAGE", "wait_timeout_ms": 0})", "wait_timeout_ms: 0 is out of range"},
        BadBody{R"({"image": "IMAGE", "wait_timeout_ms": 600001})", "out of range"},
        BadBody{R"({"image": "IMAGE", "start": false, "wait": "output"})", "wait: \"output\" needs"},
        BadBody{std::string(20000, '[') + std::string(20000, ']'), "expected a JSON object"},
        // The service's own checks come back as 400 too.
        BadBody{R"({"image": "/nonexistent/image"})", "no such file"},
        BadBody{R"({"image": "IMAGE", "mem": "1M"})", "out of range"}));

TEST_F(ApiRoutes, BodyOverTheLimitIsA413) {
    std::string body = R"({"image": ")" + std::string(70 * 1024, 'x') + "\"}";
    expect_error(post_create(body), 413, "larger than 65536 bytes");
}

TEST_F(ApiRoutes, DuplicateNameIsA409) {
    ASSERT_EQ(post_create(with_image({{"name", "web"}}))->status, 201);
    expect_error(post_create(with_image({{"name", "web"}})), 409, "already exists");
}

TEST_F(ApiRoutes, CreateReturnsTheGuestObject) {
    auto r = post_create(with_image({{"name", "web"}, {"mem", "8M"}, {"cmdline", "a b"}}));
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json guest = parse_body(r);
    EXPECT_EQ(r->get_header_value("Location"), "/v1/guests/" + std::to_string(guest["id"].get<uint64_t>()));
    std::vector<std::string> keys;
    for (const auto& [key, value] : guest.items())
        keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"cmdline", "console_bytes", "created_at", "exit_status",
                                              "first_output_ms", "id", "image", "kind", "mem", "name", "nic",
                                              "reason", "state", "worker"}));
    EXPECT_EQ(guest["name"], "web");
    EXPECT_EQ(guest["image"], image_path);
    EXPECT_EQ(guest["mem"], 8u << 20);
    EXPECT_EQ(guest["cmdline"], "a b");
    EXPECT_EQ(guest["state"], "running");
    EXPECT_TRUE(guest["exit_status"].is_null());
    EXPECT_TRUE(guest["reason"].is_null());
    EXPECT_TRUE(guest["nic"].is_null());
    EXPECT_EQ(guest["first_output_ms"], 0.25);
}

TEST_F(ApiRoutes, CreatePassesEveryFieldToTheService) {
    auto r = post_create(with_image({{"mem", 4194304},
                                     {"cmdline", std::string(1023, 'c')},
                                     {"wait", "output"},
                                     {"wait_timeout_ms", 250}}));
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(service.last_request.mem_size, 4u << 20);
    EXPECT_EQ(service.last_request.cmdline.size(), 1023u);
    EXPECT_TRUE(service.last_request.start);
    EXPECT_TRUE(service.last_request.wait_for_output);
    EXPECT_EQ(service.last_request.wait_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(parse_body(r)["name"], "guest-1");
}

TEST_F(ApiRoutes, NoStartLeavesItCreated) {
    auto r = post_create(with_image({{"name", "idle"}, {"start", false}}));
    ASSERT_EQ(r->status, 201);
    EXPECT_EQ(parse_body(r)["state"], "created");
}

TEST_F(ApiRoutes, WaitTimeoutIsA503) {
    expect_error(post_create(with_image({{"cmdline", "silent"}, {"wait", "output"}})), 503,
                 "no console output");
}

TEST_F(ApiRoutes, UnknownRoutesAre404) {
    for (const char* path : {"/", "/v1", "/v2/guests", "/v1/guests/", "/v1/guests/web/bogus", "/v1/hosts"})
        expect_error(client().Get(path), 404, "no route");
    expect_error(client().Get("/v1/guests/nope"), 404, "no guest 'nope'");
    expect_error(client().Get("/v1/guests/nope/logs"), 404, "no guest");
    expect_error(client().Get("/v1/guests/nope/console"), 404, "no guest");
    expect_error(client().Post("/v1/guests/nope/start"), 404, "no guest");
    expect_error(client().Delete("/v1/guests/nope"), 404, "no guest");
}

TEST_F(ApiRoutes, WrongMethodsAre405WithAllow) {
    auto r = client().Put("/v1/guests", "{}", "application/json");
    expect_error(r, 405, "method PUT not allowed on /v1/guests");
    EXPECT_EQ(r->get_header_value("Allow"), "POST, GET");
    r = client().Delete("/v1/host");
    expect_error(r, 405, "not allowed");
    EXPECT_EQ(r->get_header_value("Allow"), "GET");
    r = client().Get("/v1/guests/web/start");
    expect_error(r, 405, "not allowed");
    EXPECT_EQ(r->get_header_value("Allow"), "POST");
    expect_error(client().Post("/v1/guests/web", "", "application/json"), 405, "allowed: GET, DELETE");
    expect_error(client().Patch("/v1/guests/web/logs", "", "text/plain"), 405, "allowed: GET");
}

TEST_F(ApiRoutes, LifeCycleRoundTrip) {
    uint64_t id = parse_body(post_create(with_image({{"name", "web"}, {"start", false}})))["id"];
    auto list = parse_body(client().Get("/v1/guests"));
    ASSERT_EQ(list["guests"].size(), 1u);
    EXPECT_EQ(list["guests"][0]["name"], "web");
    EXPECT_EQ(parse_body(client().Get("/v1/guests/" + std::to_string(id)))["name"], "web");
    EXPECT_EQ(parse_body(client().Post("/v1/guests/web/start"))["state"], "running");
    expect_error(client().Post("/v1/guests/web/start"), 409, "already started");
    EXPECT_EQ(parse_body(client().Post("/v1/guests/web/pause"))["state"], "paused");
    expect_error(client().Post("/v1/guests/web/pause"), 409, "not running");
    EXPECT_EQ(parse_body(client().Post("/v1/guests/" + std::to_string(id) + "/resume"))["state"], "running");
    auto destroyed = client().Delete("/v1/guests/web");
    ASSERT_EQ(destroyed->status, 200);
    EXPECT_EQ(parse_body(destroyed), (json{{"destroyed", "web"}}));
    expect_error(client().Get("/v1/guests/web"), 404, "no guest");
    expect_error(client().Delete("/v1/guests/web"), 404, "no guest");
    EXPECT_EQ(parse_body(client().Get("/v1/guests")), (json{{"guests", json::array()}}));
}

TEST_F(ApiRoutes, LogsAreTheConsoleAsText) {
    add_guest("web");
    service.write_console("web", "line two\n");
    auto r = client().Get("/v1/guests/web/logs");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain");
    EXPECT_EQ(r->body, "booted web\nline two\n");
}

TEST_F(ApiRoutes, HostInfoIsTheServicesJson) {
    add_guest("web");
    json host = parse_body(client().Get("/v1/host"));
    EXPECT_EQ(host["workers"].size(), 2u);
    EXPECT_EQ(host["guests"], 1);
    EXPECT_EQ(host["pool"]["ready"], 7);
}

TEST_F(ApiRoutes, ConsoleStreamsUntilTheGuestEnds) {
    add_guest("web");
    std::string received;
    std::thread guest([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        service.write_console("web", "tick 1\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        service.write_console("web", "tick 2\n");
        service.end_guest("web", 0);
    });
    auto started = std::chrono::steady_clock::now();
    httplib::Headers gzip{{"Accept-Encoding", "gzip, deflate, br"}}; // must not make it buffer
    auto r = client().Get("/v1/guests/web/console", gzip, [&](const char* data, size_t size) {
        if (received.empty()) {
            EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(90));
        }
        received.append(data, size);
        return true;
    });
    guest.join();
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r->get_header_value("Content-Encoding"), "");
    EXPECT_EQ(received, "booted web\ntick 1\ntick 2\n");
}

TEST_F(ApiRoutes, ConsoleOfAnEndedGuestIsItsRing) {
    add_guest("web");
    service.end_guest("web", 3);
    auto r = client().Get("/v1/guests/web/console");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "booted web\n");
    EXPECT_EQ(parse_body(client().Get("/v1/guests/web"))["exit_status"], 3);
}

TEST_F(ApiRoutes, ConsoleFollowEndsWhenTheClientGoesAway) {
    add_guest("web");
    auto r = client().Get("/v1/guests/web/console", [](const char*, size_t) { return false; });
    EXPECT_FALSE(r); // canceled by us
    for (int i = 0; i < 100 && service.follows_ended < 1; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(service.follows_ended, 1);
}

TEST_F(ApiRoutes, ConsoleEndsWhenTheGuestIsDestroyed) {
    add_guest("web");
    std::thread destroyer([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        (void)service.destroy("web");
    });
    auto r = client().Get("/v1/guests/web/console");
    destroyer.join();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "booted web\n");
}

} // namespace
