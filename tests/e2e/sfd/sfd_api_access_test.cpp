// End-to-end: who may drive a real sfd. --listen without tokens serves the
// unix socket only and says so on one line; with a token made by sfctl on the
// socket, the TCP API answers that token and nobody else, and takes JSON
// bodies only as application/json; a migration goes to a --migrate-peer only.
#include "sfd_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using sf::test::guest_image;
using sf::test::Sfd;
using json = nlohmann::json;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char pattern[] = "/tmp/sf-sfd-access-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// A loopback port nobody listens on now.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// sfd's stderr (appended to `log`) once it contains `text`, or after 10 s.
std::string log_with(const std::string& log, const std::string& text) {
    std::string seen;
    for (int i = 0; i < 500; ++i) {
        seen = read_file(log);
        if (seen.find(text) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return seen;
}

// sfd run through `sh -c 'exec sfd ... 2>>LOG'`: the same process, its stderr in a file.
std::vector<std::string> logging_to(const std::string& log) {
    return {"sh", "-c", "exec \"$0\" \"$@\" 2>>" + log};
}

httplib::Client tcp_client(int port, const std::string& token) {
    httplib::Client c("127.0.0.1", port);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    return c;
}

TEST(SfdApiAccess, ListenWithoutTokensServesTheSocketOnlyThenATokenOpensTcp) {
    SF_SFD_REQUIRE_KVM();
    TempDir dir;
    const std::string log = dir / "sfd.err";
    const int port = free_port();
    const std::vector<std::string> args{"--workers", "1", "--listen", "127.0.0.1:" + std::to_string(port)};
    std::string token;
    {
        Sfd sfd(args, dir.path, logging_to(log));
        ASSERT_TRUE(sfd.running());
        const std::string said = log_with(log, "not listening on");
        EXPECT_NE(said.find("sfd: not listening on 127.0.0.1:" + std::to_string(port) +
                            ": no API tokens in " + dir.path + "/api-tokens yet"),
                  std::string::npos)
            << said;
        EXPECT_FALSE(tcp_client(port, "").Get("/v1/host")) << "nothing listens on TCP";
        EXPECT_EQ(sfd.get("/v1/host").status, 200) << "the unix socket serves";

        token = sf::test::run_command(std::string(SF_BIN_DIR) + "/sfctl --socket " + sfd.socket() +
                                      " token create orch 2>/dev/null");
        ASSERT_EQ(token.rfind("sft_", 0), 0u) << token;
        token.pop_back(); // its newline
        struct stat st {};
        ASSERT_EQ(::stat((dir / "api-tokens").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        EXPECT_EQ(read_file(dir / "api-tokens").find(token.substr(4)), std::string::npos)
            << "only its hash is kept";
    }
    Sfd sfd(args, dir.path, logging_to(log));
    const std::string said = log_with(log, "API on 127.0.0.1");
    EXPECT_NE(said.find("sfd: API on 127.0.0.1:" + std::to_string(port) + " (plain HTTP on loopback"),
              std::string::npos)
        << said;
    auto anonymous = tcp_client(port, "").Get("/v1/host");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    auto with_token = tcp_client(port, token).Get("/v1/host");
    ASSERT_TRUE(with_token);
    EXPECT_EQ(with_token->status, 200) << with_token->body;
    json body{{"image", guest_image("idle")}, {"name", "web"}};
    auto form = tcp_client(port, token).Post("/v1/guests", body.dump(), "text/plain");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 415) << form->body;
    auto created = tcp_client(port, token).Post("/v1/guests", body.dump(), "application/json");
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 201) << created->body;
}

TEST(SfdApiAccess, MigrationsGoToConfiguredPeersOnly) {
    SF_SFD_REQUIRE_KVM();
    TempDir dir;
    const std::string token_file = dir / "migrate.token";
    std::ofstream(token_file) << "a-shared-secret-of-enough-bytes\n";
    ::chmod(token_file.c_str(), 0600);
    Sfd sfd({"--workers", "1", "--migrate-token-file", token_file, "--migrate-peer", "127.0.0.1:1"});
    ASSERT_EQ(sfd.create({{"image", guest_image("idle")}, {"name", "web"}, {"wait", "output"}}).status, 201);
    for (const char* elsewhere : {"evil:1", "127.0.0.1:2", "127.0.0.1"}) {
        SCOPED_TRACE(elsewhere);
        auto refused = sfd.post("/v1/guests/web/migrate", json{{"to", elsewhere}}.dump());
        EXPECT_EQ(refused.status, 403) << refused.body;
        EXPECT_NE(refused.json().value("error", "").find("not a --migrate-peer of this sfd (127.0.0.1:1)"),
                  std::string::npos)
            << refused.body;
    }
    // The configured peer passes the check (nobody listens there: the move fails, the guest stays).
    auto peer = sfd.post("/v1/guests/web/migrate", json{{"to", "127.0.0.1:1"}}.dump());
    EXPECT_EQ(peer.status, 503) << peer.body;
    EXPECT_NE(peer.json().value("error", "").find("it runs on here"), std::string::npos) << peer.body;
    EXPECT_EQ(sfd.get("/v1/guests/web").json().value("state", ""), "running");
}

} // namespace
