// Unit tests: ApiServer itself: listen addresses, the socket file (mode,
// stale sockets, a second daemon), stopping, clients that stall or flood, and
// the API through the real curl.
#include "api_test_support.h"

#include <poll.h>
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

TEST(ListenAddressParse, AcceptsPathsAndIpv4AddressesOnly) {
    EXPECT_EQ(ListenAddress::parse("/run/superfluid/sfd.sock")->socket_path, "/run/superfluid/sfd.sock");
    EXPECT_EQ(ListenAddress::parse("./sfd.sock")->socket_path, "./sfd.sock");
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:8080")->port, 8080);
    EXPECT_EQ(ListenAddress::parse("127.0.0.1:8080")->to_string(), "127.0.0.1:8080");
    EXPECT_TRUE(ListenAddress::parse("127.0.0.1:8080")->is_loopback());
    EXPECT_EQ(ListenAddress::parse("10.0.0.1:443")->to_string(), "10.0.0.1:443");
    EXPECT_FALSE(ListenAddress::parse("10.0.0.1:443")->is_loopback()); // ApiServer then wants TLS
    for (const char* bad : {"localhost:80", "sfd.example:80", ":80", "127.0.0.1:", "127.0.0.1:70000",
                            "127.0.0.1:8o", "300.0.0.1:80", "sfd.sock", ""}) {
        auto parsed = ListenAddress::parse(bad);
        EXPECT_FALSE(parsed.ok()) << bad;
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.error().kind, sf::ErrorKind::InvalidArgument);
        }
    }
    EXPECT_NE(ListenAddress::parse("localhost:80").error().message.find("not an IPv4 address"),
              std::string::npos);
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
    TempDir dir;
    FakeGuestService service;
    auto tokens = sf::host::ApiTokens::open(dir / "api-tokens");
    ASSERT_TRUE(tokens.ok());
    auto secret = (*tokens)->create("test");
    ASSERT_TRUE(secret.ok());
    sf::host::ApiServerOptions options;
    options.tokens = tokens->get();
    auto server = ApiServer::create(service, *ListenAddress::loopback(0), options);
    ASSERT_TRUE(server.ok()) << server.error().message;
    (*server)->start();
    ASSERT_GT((*server)->address().port, 0);
    httplib::Client client("127.0.0.1", (*server)->address().port);
    client.set_bearer_token_auth(secret->c_str());
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
    for (int i = 0; i < 5; ++i) { // and followers that vanish without reading, the guest quiet
        sf::UniqueFd fd = connect_unix(socket_path);
        send_text(fd, "GET /v1/guests/web/console HTTP/1.1\r\nHost: x\r\n\r\n");
        while (service.follows_started < i + 1)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto r = client().Get("/v1/guests/web");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    // Each follow ends although the guest writes nothing more: a vanished
    // client must not hold a server thread until the guest speaks.
    const auto until = Clock::now() + std::chrono::seconds(5);
    while (service.follows_ended < 5 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(service.follows_ended, 5);
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
        curl_call(socket_path, {"-H", "Content-Type: application/json", "-d",
                                R"({"image": "x", "name": "a/b"})", "http://sfd/v1/guests"});
    EXPECT_EQ(bad_status, 400);
    EXPECT_EQ(json::parse(bad, nullptr, false)["error"],
              "name: only letters, digits, '.', '_' and '-' are allowed");
    // curl -d alone says application/x-www-form-urlencoded, as a web form would: not taken as JSON.
    auto [form, form_status] = curl_call(
        socket_path, {"-d", json{{"image", image_path}, {"name", "form"}}.dump(), "http://sfd/v1/guests"});
    EXPECT_EQ(form_status, 415) << form;
    EXPECT_NE(form.find("Content-Type: application/json"), std::string::npos) << form;
    EXPECT_FALSE(service.info("form").ok()) << "no guest from a form post";
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

// Reads `fd` until `text` has arrived or 5 s pass; everything read so far.
std::string read_until(int fd, std::string& seen, const std::string& text) {
    const auto until = Clock::now() + std::chrono::seconds(5);
    while (seen.find(text) == std::string::npos && Clock::now() < until) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 50) <= 0) continue;
        char buffer[256];
        const ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n <= 0) break;
        seen.append(buffer, size_t(n));
    }
    return seen;
}

// Each byte reaches curl while the guest runs (not replayed at its end):
// "tick" is written only once the follower has the boot line, and must
// arrive before the guest ends; with --compressed too (sfd never compresses,
// so nothing sits in a compressor).
TEST_F(ApiServerClients, CurlFollowsTheConsoleLiveCompressedOrNot) {
    for (const std::string compressed : {"", "--compressed "}) {
        const std::string name = compressed.empty() ? "plain" : "compressed";
        add_guest(name);
        FILE* curl = ::popen(("/usr/bin/curl -sSN " + compressed + "--unix-socket " + socket_path +
                              " http://sfd/v1/guests/" + name + "/console")
                                 .c_str(),
                             "r");
        ASSERT_NE(curl, nullptr);
        std::string seen;
        EXPECT_EQ(read_until(::fileno(curl), seen, "\n"), "booted " + name + "\n");
        service.write_console(name, "tick\n");
        EXPECT_EQ(read_until(::fileno(curl), seen, "tick\n"), "booted " + name + "\ntick\n")
            << "the tick arrived while the guest ran";
        EXPECT_EQ(service.info(name)->state, sf::host::GuestState::Running);
        service.end_guest(name, 0);
        read_until(::fileno(curl), seen, "never: read to the end");
        EXPECT_EQ(::pclose(curl), 0);
        EXPECT_EQ(seen, "booted " + name + "\ntick\n");
        auto logs = run_process(
            {"/usr/bin/curl", "-sS", "--unix-socket", socket_path, "http://sfd/v1/guests/" + name + "/logs"});
        EXPECT_EQ(logs.out, "booted " + name + "\ntick\n");
    }
}

TEST_F(ApiServerClients, CurlSeesOversizedAndMalformedRequestsAsJsonErrors) {
    std::string big(100 * 1024, 'x');
    auto [too_big, status] =
        curl_call(socket_path, {"-H", "Content-Type: application/json", "-d", big, "http://sfd/v1/guests"});
    EXPECT_EQ(status, 413);
    EXPECT_TRUE(json::parse(too_big, nullptr, false).contains("error")) << too_big;
    auto [malformed, malformed_status] = curl_call(
        socket_path, {"-H", "Content-Type: application/json", "-d", "{nope", "http://sfd/v1/guests"});
    EXPECT_EQ(malformed_status, 400);
    EXPECT_NE(malformed.find("malformed JSON"), std::string::npos);
}

} // namespace
