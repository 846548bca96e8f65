// Unit tests: ApiServer itself: listen addresses, the socket file (mode,
// stale sockets, a second daemon), stopping, clients that stall or flood, and
// the API through the real curl.
#include "api_test_support.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <thread>

using nlohmann::json;
using sf::host::ApiServer;
using sf::host::ListenAddress;
using sf::test::ApiFixture;
using sf::test::FakeGuestService;
using sf::test::run_process;
using sf::test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

sf::UniqueFd connect_unix(const std::string& path) {
    sf::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << path;
    return fd;
}

void send_text(const sf::UniqueFd& fd, const std::string& text) {
    ASSERT_EQ(::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL), ssize_t(text.size()));
}

std::unique_ptr<ApiServer> must_create(FakeGuestService& service, const std::string& address) {
    auto parsed = ListenAddress::parse(address);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    auto server = ApiServer::create(service, *parsed);
    EXPECT_TRUE(server.ok()) << server.error().message;
    return server.ok() ? std::move(*server) : nullptr;
}

std::string create_error(FakeGuestService& service, const std::string& path) {
    auto server = ApiServer::create(service, *ListenAddress::unix_socket(path));
    return server.ok() ? "created" : server.error().message;
}

// curl's body and status (its last line, from -w).
std::pair<std::string, int> curl_call(const std::string& socket, std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/curl", "-sS", "--unix-socket", socket, "-w", "\n%{http_code}"});
    std::string out = run_process(args).out;
    size_t split = out.rfind('\n');
    if (split == std::string::npos) return {out, 0};
    return {out.substr(0, split), std::atoi(out.c_str() + split + 1)};
}

TEST(ListenAddressParse, AcceptsPathsAndLoopbackOnly) {
    EXPECT_EQ(ListenAddress::parse("/run/superfluid/sfd.sock")->socket_path, "/run/superfluid/sfd.sock");
    EXPECT_EQ(ListenAddress::parse("./sfd.sock")->socket_path, "./sfd.sock");
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:8080")->port, 8080);
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:8080")->to_string(), "127.0.0.1:8080");
    for (const char* bad : {"0.0.0.0:80", "localhost:80", "10.0.0.1:80", ":80",
                            "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:8o", "sfd.sock", ""}) {
        auto parsed = ListenAddress::parse(bad);
        EXPECT_FALSE(parsed.ok()) << bad;
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.error().kind, sf::ErrorKind::InvalidArgument);
        }
    }
    EXPECT_NE(ListenAddress::parse("0.0.0.0:80").error().message.find("127.0.0.1 only"), std::string::npos);
    EXPECT_NE(ListenAddress::parse("/" + std::string(120, 'x')).error().message.find("too long"),
              std::string::npos);
}

TEST(ApiServerSocket, CreatesTheDirectoryAndMode0600AndRemovesItOnStop) {
    TempDir dir;
    FakeGuestService service;
    std::string path = dir / "run/superfluid/sfd.sock";
    auto server = must_create(service, path);
    ASSERT_TRUE(server);
    server->start();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    server->stop();
    EXPECT_FALSE(std::filesystem::exists(path));
    server->stop(); // idempotent
}

TEST(ApiServerSocket, ASecondServerIsRefusedWhileTheFirstRuns) {
    TempDir dir;
    FakeGuestService service;
    std::string path = dir / "sfd.sock";
    auto first = must_create(service, path);
    ASSERT_TRUE(first);
    first->start();
    EXPECT_NE(create_error(service, path).find("another sfd is already"), std::string::npos);
    httplib::Client client(path, 80);
    client.set_address_family(AF_UNIX);
    auto r = client.Get("/v1/guests");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200); // the first one still serves
}

TEST(ApiServerSocket, ASocketSomeoneElseListensOnIsRefused) {
    TempDir dir;
    FakeGuestService service;
    std::string path = dir / "sfd.sock";
    sf::UniqueFd other(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(other.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::listen(other.get(), 1), 0);
    EXPECT_NE(create_error(service, path).find("another sfd is already listening on"), std::string::npos);
    other.reset(); // now the socket file is stale: nobody answers
    auto server = must_create(service, path);
    EXPECT_TRUE(server);
}

TEST(ApiServerSocket, AFileThatIsNotASocketIsLeftAlone) {
    TempDir dir;
    FakeGuestService service;
    std::string path = dir / "sfd.sock";
    std::ofstream(path) << "precious";
    EXPECT_NE(create_error(service, path).find("is not a socket"), std::string::npos);
    std::ifstream in(path);
    std::string contents;
    in >> contents;
    EXPECT_EQ(contents, "precious");
}

TEST(ApiServerTcp, ServesOnLoopbackWithAPickedPort) {
    FakeGuestService service;
    auto server = must_create(service, "127.0.0.1:0");
    ASSERT_TRUE(server);
    server->start();
    ASSERT_GT(server->address().port, 0);
    httplib::Client client("127.0.0.1", server->address().port);
    auto r = client.Get("/v1/host");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST(ApiServerStop, CutsConsoleFollowsAndReturnsPromptly) {
    TempDir dir;
    FakeGuestService service;
    auto server = must_create(service, dir / "sfd.sock");
    ASSERT_TRUE(server);
    server->start();
    sf::host::CreateRequest request;
    request.image = "/proc/self/exe";
    request.name = "web";
    ASSERT_TRUE(service.create(request).ok());
    std::thread follower([&] {
        httplib::Client client(dir / "sfd.sock", 80);
        client.set_address_family(AF_UNIX);
        (void)client.Get("/v1/guests/web/console");
    });
    while (service.follows_started < 1)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto before = Clock::now();
    server->stop();
    EXPECT_LT(Clock::now() - before, std::chrono::seconds(1));
    EXPECT_EQ(service.follows_ended, 1);
    follower.join();
}

using ApiServerClients = ApiFixture;

TEST_F(ApiServerClients, AStalledHalfRequestDoesNotBlockOthers) {
    std::vector<sf::UniqueFd> stalled;
    for (int i = 0; i < 8; ++i) {
        stalled.push_back(connect_unix(socket_path));
        send_text(stalled.back(), "POST /v1/guests HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ima");
    }
    stalled.push_back(connect_unix(socket_path));
    send_text(stalled.back(), "GET /v1/gue"); // not even a whole request line
    auto before = Clock::now();
    auto r = client().Get("/v1/guests");
    EXPECT_LT(Clock::now() - before, std::chrono::seconds(1));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ApiServerClients, ClientsThatVanishMidRequestAreHarmless) {
    for (int i = 0; i < 20; ++i) {
        sf::UniqueFd fd = connect_unix(socket_path);
        send_text(fd, i % 2 ? "POST /v1/guests HTTP/1.1\r\nContent-Length: 50\r\n\r\n{"
                            : "GET /v1/guests/x/cons");
    }
    add_guest("web");
    for (int i = 0; i < 5; ++i) { // and a follower that vanishes without reading
        sf::UniqueFd fd = connect_unix(socket_path);
        send_text(fd, "GET /v1/guests/web/console HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    auto r = client().Get("/v1/guests/web");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ApiServerClients, FiftyConcurrentClientsAreAllServed) {
    std::atomic<int> served{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
        threads.emplace_back([this, i, &served] {
            auto c = client();
            json body{{"image", image_path}, {"name", "g" + std::to_string(i)}};
            auto created = c.Post("/v1/guests", body.dump(), "application/json");
            auto listed = c.Get("/v1/guests/g" + std::to_string(i));
            if (created && created->status == 201 && listed && listed->status == 200) ++served;
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(served, 50);
    EXPECT_EQ(service.list()->size(), 50u);
}

TEST_F(ApiServerClients, CurlRoundTrip) {
    auto [created, status] =
        curl_call(socket_path, {"-X", "POST", "-H", "Content-Type: application/json", "-d",
                                json{{"image", image_path}, {"name", "web"}}.dump(), "http://sfd/v1/guests"});
    EXPECT_EQ(status, 201) << created;
    EXPECT_EQ(json::parse(created, nullptr, false)["name"], "web");
    auto [list, list_status] = curl_call(socket_path, {"http://sfd/v1/guests"});
    EXPECT_EQ(list_status, 200);
    EXPECT_EQ(json::parse(list, nullptr, false)["guests"][0]["state"], "running");
    auto [bad, bad_status] =
        curl_call(socket_path, {"-d", R"({"image": "x", "name": "a/b"})", "http://sfd/v1/guests"});
    EXPECT_EQ(bad_status, 400);
    EXPECT_EQ(json::parse(bad, nullptr, false)["error"],
              "name: only letters, digits, '.', '_' and '-' are allowed");
    auto [wrong, wrong_status] = curl_call(socket_path, {"-X", "PUT", "http://sfd/v1/host"});
    EXPECT_EQ(wrong_status, 405) << wrong;
    auto [missing, missing_status] = curl_call(socket_path, {"http://sfd/v1/guests/nope"});
    EXPECT_EQ(missing_status, 404) << missing;
    auto [gone, gone_status] = curl_call(socket_path, {"-X", "DELETE", "http://sfd/v1/guests/web"});
    EXPECT_EQ(gone_status, 200);
    EXPECT_EQ(json::parse(gone, nullptr, false), (json{{"destroyed", "web"}}));
}

TEST_F(ApiServerClients, CurlPostWithoutABodyIsAnsweredAtOnce) {
    add_guest("web", /*start=*/false);
    auto before = Clock::now();
    auto [started, status] = curl_call(socket_path, {"-X", "POST", "http://sfd/v1/guests/web/start"});
    EXPECT_LT(Clock::now() - before, std::chrono::seconds(1));
    EXPECT_EQ(status, 200) << started;
    EXPECT_EQ(json::parse(started, nullptr, false)["state"], "running");
}

TEST_F(ApiServerClients, CurlFollowsTheConsoleCompressedOrNot) {
    add_guest("web");
    std::thread guest([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        service.write_console("web", "tick\n");
        service.end_guest("web", 0);
    });
    auto r = run_process({"/usr/bin/curl", "-sSN", "--compressed", "--unix-socket", socket_path,
                          "http://sfd/v1/guests/web/console"});
    guest.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "booted web\ntick\n");
    auto logs =
        run_process({"/usr/bin/curl", "-sS", "--unix-socket", socket_path, "http://sfd/v1/guests/web/logs"});
    EXPECT_EQ(logs.out, "booted web\ntick\n");
}

TEST_F(ApiServerClients, CurlSeesOversizedAndMalformedRequestsAsJsonErrors) {
    std::string big(100 * 1024, 'x');
    auto [too_big, status] = curl_call(socket_path, {"-d", big, "http://sfd/v1/guests"});
    EXPECT_EQ(status, 413);
    EXPECT_TRUE(json::parse(too_big, nullptr, false).contains("error")) << too_big;
    auto [malformed, malformed_status] = curl_call(socket_path, {"-d", "{nope", "http://sfd/v1/guests"});
    EXPECT_EQ(malformed_status, 400);
    EXPECT_NE(malformed.find("malformed JSON"), std::string::npos);
}

} // namespace
