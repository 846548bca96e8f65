// Unit tests: who may call sfd's API. ApiTokens (only hashes kept, mode
// 0600, atomic rewrites, symlinks refused), AuthFailureLimiter, and a real
// ApiServer on loopback TCP in front of a FakeGuestService: bearer tokens,
// failures rate-limited (429), Origin and Host checked, JSON bodies only as
// application/json, tokens managed on the unix socket only, and TLS 1.3
// with a CA from scripts/mkcerts.
#include "api_test_support.h"
#include "host/auth_failure_limiter.h"

#include <openssl/ssl.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

using nlohmann::json;
using sf::host::ApiServer;
using sf::host::ApiServerOptions;
using sf::host::ApiTokens;
using sf::host::AuthFailureLimiter;
using sf::host::ListenAddress;
using sf::test::ApiFixture;
using sf::test::expect_error;
using sf::test::FakeGuestService;
using sf::test::TempDir;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
}

std::unique_ptr<ApiTokens> must_open(const std::string& path) {
    auto tokens = ApiTokens::open(path);
    EXPECT_TRUE(tokens.ok()) << tokens.error().message;
    return tokens.ok() ? std::move(*tokens) : nullptr;
}

TEST(ApiTokens, KeepsOnlyTheHashInAFileOfMode0600) {
    TempDir dir;
    const std::string path = dir / "api-tokens";
    auto tokens = must_open(path);
    ASSERT_TRUE(tokens);
    EXPECT_TRUE(tokens->empty());
    EXPECT_FALSE(std::filesystem::exists(path)) << "opening creates nothing";
    auto secret = tokens->create("orch");
    ASSERT_TRUE(secret.ok()) << secret.error().message;
    EXPECT_EQ(secret->rfind("sft_", 0), 0u);
    EXPECT_EQ(secret->size(), 4u + 64u);
    EXPECT_EQ(mode_of(path), 0600u);
    const std::string text = read_file(path);
    EXPECT_EQ(text.find(secret->substr(4)), std::string::npos) << "the secret is not stored";
    EXPECT_NE(text.find(sf::host::sha256_hex(*secret)), std::string::npos) << text;
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(tokens->verify(*secret), "orch");
    EXPECT_FALSE(tokens->verify(secret->substr(0, secret->size() - 1) + "x"));
    EXPECT_FALSE(tokens->verify(""));

    auto reopened = must_open(path); // what a restarted sfd sees
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->verify(*secret), "orch");
    ASSERT_EQ(reopened->list().size(), 1u);
    EXPECT_EQ(reopened->list()[0].name, "orch");
    EXPECT_GT(reopened->list()[0].created, 0);
}

TEST(ApiTokens, RevokedTokensStopWorkingAndNamesAreChecked) {
    TempDir dir;
    auto tokens = must_open(dir / "api-tokens");
    ASSERT_TRUE(tokens);
    auto first = tokens->create("a");
    auto second = tokens->create("b");
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(*first, *second);
    EXPECT_EQ(tokens->create("a").error().kind, sf::ErrorKind::Conflict);
    EXPECT_EQ(tokens->create("a b").error().kind, sf::ErrorKind::InvalidArgument);
    EXPECT_EQ(tokens->create("").error().kind, sf::ErrorKind::InvalidArgument);
    ASSERT_TRUE(tokens->revoke("a").ok());
    EXPECT_FALSE(tokens->verify(*first));
    EXPECT_EQ(tokens->verify(*second), "b");
    EXPECT_EQ(tokens->revoke("a").error().kind, sf::ErrorKind::NotFound);
    auto reopened = must_open(dir / "api-tokens");
    EXPECT_FALSE(reopened->verify(*first));
    EXPECT_EQ(reopened->verify(*second), "b");
}

TEST(ApiTokens, RefusesFilesOthersCanReadSymlinksAndGarbage) {
    TempDir dir;
    const std::string path = dir / "api-tokens";
    std::ofstream(path) << "# nothing\n";
    ::chmod(path.c_str(), 0644);
    auto open_to_others = ApiTokens::open(path);
    ASSERT_FALSE(open_to_others.ok());
    EXPECT_NE(open_to_others.error().message.find("chmod 600"), std::string::npos)
        << open_to_others.error().message;

    ::chmod(path.c_str(), 0600);
    std::filesystem::create_symlink(path, dir / "link");
    EXPECT_FALSE(ApiTokens::open(dir / "link").ok()) << "a symlink is not followed";

    std::ofstream(path) << "orch not-a-hash 1\n";
    auto garbage = ApiTokens::open(path);
    ASSERT_FALSE(garbage.ok());
    EXPECT_NE(garbage.error().message.find("line 1"), std::string::npos) << garbage.error().message;
}

TEST(ApiTokens, ARewriteNeverWritesThroughAPlantedSymlink) {
    TempDir dir;
    const std::string victim = dir / "victim";
    std::ofstream(victim) << "precious\n";
    std::filesystem::create_symlink(victim, dir / "api-tokens.tmp");
    auto tokens = must_open(dir / "api-tokens");
    ASSERT_TRUE(tokens);
    ASSERT_TRUE(tokens->create("orch").ok());
    EXPECT_EQ(read_file(victim), "precious\n");
    EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(dir / "api-tokens")));
}

TEST(AuthFailureLimiter, BlocksAPeerAfterFiveFailuresForTheRestOfItsWindow) {
    AuthFailureLimiter limiter;
    const auto t0 = AuthFailureLimiter::Clock::now();
    for (int i = 0; i < AuthFailureLimiter::kMaxFailures; ++i) {
        EXPECT_FALSE(limiter.blocked("10.0.0.1", t0)) << i;
        limiter.failed("10.0.0.1", t0);
    }
    auto wait = limiter.blocked("10.0.0.1", t0 + std::chrono::seconds(10));
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, std::chrono::seconds(50));
    EXPECT_FALSE(limiter.blocked("10.0.0.2", t0)) << "other peers are not held";
    EXPECT_FALSE(limiter.blocked("10.0.0.1", t0 + AuthFailureLimiter::kWindow)) << "the window ended";
}

TEST(AuthFailureLimiter, ManyPeersCostBoundedMemoryAndStillCount) {
    AuthFailureLimiter limiter;
    const auto t0 = AuthFailureLimiter::Clock::now();
    for (size_t i = 0; i < AuthFailureLimiter::kMaxPeers + 100; ++i)
        limiter.failed("peer-" + std::to_string(i), t0 + std::chrono::milliseconds(i));
    const auto later = t0 + std::chrono::seconds(1);
    for (int i = 0; i < AuthFailureLimiter::kMaxFailures; ++i)
        limiter.failed("guesser", later);
    EXPECT_TRUE(limiter.blocked("guesser", later));
}

// A FakeGuestService behind the fixture's unix socket and a TCP listener on
// loopback with the fixture's tokens; `secret` is a valid token.
class ApiAuth : public ApiFixture {
  protected:
    void SetUp() override {
        ApiFixture::SetUp();
        auto made = tokens->create("tester");
        ASSERT_TRUE(made.ok()) << made.error().message;
        secret = *made;
        tcp = start_tcp({});
        ASSERT_TRUE(tcp);
    }

    std::unique_ptr<ApiServer> start_tcp(ApiServerOptions options) {
        options.tokens = tokens.get();
        auto created = ApiServer::create(service, *ListenAddress::loopback(0), options);
        EXPECT_TRUE(created.ok()) << created.error().message;
        if (!created.ok()) return nullptr;
        (*created)->start();
        return std::move(*created);
    }

    httplib::Client tcp_client(const std::string& token) const {
        httplib::Client c("127.0.0.1", tcp->address().port);
        if (!token.empty()) c.set_bearer_token_auth(token.c_str());
        return c;
    }

    std::string secret;
    std::unique_ptr<ApiServer> tcp;
};

TEST_F(ApiAuth, TcpRequestsNeedAValidBearerToken) {
    auto none = tcp_client("").Get("/v1/host");
    expect_error(none, 401, "needs Authorization: Bearer");
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
    expect_error(tcp_client("sft_wrong").Get("/v1/host"), 401, "not valid");
    auto good = tcp_client(secret).Get("/v1/host");
    ASSERT_TRUE(good);
    EXPECT_EQ(good->status, 200) << good->body;
    // The scheme in any case (RFC 9110); the unix socket needs no token at all.
    httplib::Headers lower_case{{"Authorization", "bearer " + secret}};
    EXPECT_EQ(tcp_client("").Get("/v1/host", lower_case)->status, 200);
    EXPECT_EQ(client().Get("/v1/host")->status, 200);
}

TEST_F(ApiAuth, NothingHappensWithoutAToken) {
    json body{{"image", image_path}, {"name", "web"}};
    expect_error(tcp_client("").Post("/v1/guests", body.dump(), "application/json"), 401, "Bearer");
    add_guest("victim");
    expect_error(tcp_client("").Post("/v1/guests/victim/save", R"({"file": "x"})", "application/json"), 401,
                 "Bearer");
    expect_error(tcp_client("").Delete("/v1/guests/victim"), 401, "Bearer");
    EXPECT_EQ(service.list()->size(), 1u) << "nothing was created or destroyed";
}

TEST_F(ApiAuth, FailuresAreRateLimitedPerPeerEvenForTheRightTokenThen) {
    for (int i = 0; i < AuthFailureLimiter::kMaxFailures; ++i)
        expect_error(tcp_client("sft_guess" + std::to_string(i)).Get("/v1/host"), 401, "not valid");
    auto limited = tcp_client("sft_guess").Get("/v1/host");
    expect_error(limited, 429, "too many failed authentications");
    const int retry_after = std::atoi(limited->get_header_value("Retry-After").c_str());
    EXPECT_GT(retry_after, 0);
    EXPECT_LE(retry_after, 60);
    expect_error(tcp_client(secret).Get("/v1/host"), 429, "retry in"); // a guess that is right is no help now
    EXPECT_EQ(client().Get("/v1/host")->status, 200) << "the unix socket is not held";
}

TEST_F(ApiAuth, BrowsersAndRebindingNamesAreRefused) {
    httplib::Headers from_page{{"Origin", "http://evil.example"}};
    expect_error(tcp_client(secret).Get("/v1/host", from_page), 403, "Origin");
    httplib::Headers rebound{{"Host", "evil.example:" + std::to_string(tcp->address().port)}};
    expect_error(tcp_client(secret).Get("/v1/host", rebound), 421, "evil.example");
    httplib::Headers by_name{{"Host", "localhost:" + std::to_string(tcp->address().port)}};
    EXPECT_EQ(tcp_client(secret).Get("/v1/host", by_name)->status, 200);
}

TEST_F(ApiAuth, BodiesAreJsonOnlyWhenSaidSoOnEveryListener) {
    json body{{"image", image_path}, {"name", "web"}};
    for (const char* type :
         {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
        expect_error(tcp_client(secret).Post("/v1/guests", body.dump(), type), 415, "application/json");
        expect_error(client().Post("/v1/guests", body.dump(), type), 415, "application/json");
    }
    EXPECT_TRUE(service.list()->empty()) << "no guest came of them";
    auto json_body = client().Post("/v1/guests", body.dump(), "application/json; charset=utf-8");
    ASSERT_TRUE(json_body);
    EXPECT_EQ(json_body->status, 201) << json_body->body;
}

TEST_F(ApiAuth, TokensAreManagedOnTheUnixSocketOnly) {
    expect_error(tcp_client(secret).Post("/v1/tokens", R"({"name": "more"})", "application/json"), 403,
                 "unix socket");
    expect_error(tcp_client(secret).Get("/v1/tokens"), 403, "unix socket");
    expect_error(tcp_client(secret).Delete("/v1/tokens/tester"), 403, "unix socket");

    auto made = client().Post("/v1/tokens", R"({"name": "orch"})", "application/json");
    ASSERT_TRUE(made);
    ASSERT_EQ(made->status, 201) << made->body;
    const std::string orch = json::parse(made->body)["token"];
    EXPECT_EQ(tcp_client(orch).Get("/v1/host")->status, 200);
    auto listed = json::parse(client().Get("/v1/tokens")->body);
    ASSERT_EQ(listed["tokens"].size(), 2u) << listed.dump();
    EXPECT_EQ(listed.dump().find(orch.substr(4)), std::string::npos) << "secrets are never listed";
    EXPECT_EQ(client().Delete("/v1/tokens/orch")->status, 204);
    expect_error(tcp_client(orch).Get("/v1/host"), 401, "not valid");
    expect_error(client().Delete("/v1/tokens/orch"), 404, "no token");
}

// A refusal is answered once the body is read: refused with the body unread,
// the server's close reset the connection and the client saw a write error
// instead of the answer (and a kept-alive connection would have parsed the
// body as the next request).
TEST_F(ApiAuth, ARefusedRequestWithABodyIsAnsweredOnAConnectionThatStaysUsable) {
    const std::string big = json{{"image", image_path}, {"cmdline", std::string(32 * 1024, 'x')}}.dump();
    auto c = tcp_client("");
    c.set_keep_alive(true);
    for (int i = 0; i < AuthFailureLimiter::kMaxFailures - 1; ++i) // short of the limiter's 429
        expect_error(c.Post("/v1/guests", big, "application/json"), 401, "Bearer");
    c.set_bearer_token_auth(secret.c_str());
    for (int i = 0; i < 10; ++i) {
        expect_error(c.Post("/v1/guests", big, "text/plain"), 415, "application/json");
        expect_error(client().Post("/v1/guests", big, "text/plain"), 415, "application/json");
    }
    auto r = c.Get("/v1/host");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
}

// httplib writes a response's head and body apart: without TCP_NODELAY,
// Nagle held the body until the client's delayed ACK, ~40 ms a request on a
// kept-alive connection (measured: 43.9 ms; 0.2 ms with it).
TEST_F(ApiAuth, KeptAliveTcpRequestsAreNotHeldByNagle) {
    auto c = tcp_client(secret);
    c.set_keep_alive(true);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        auto r = c.Get("/v1/host");
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400))
        << "20 requests; with Nagle they took 20 x ~40 ms";
}

TEST(ApiServerTcpConfig, RefusesTcpWithoutTokensAndOffLoopbackWithoutTls) {
    FakeGuestService service;
    auto no_tokens = ApiServer::create(service, *ListenAddress::loopback(0));
    ASSERT_FALSE(no_tokens.ok());
    EXPECT_NE(no_tokens.error().message.find("needs tokens"), std::string::npos) << no_tokens.error().message;
    TempDir dir;
    auto tokens = must_open(dir / "api-tokens");
    ApiServerOptions options;
    options.tokens = tokens.get();
    auto open_to_all = ApiServer::create(service, *ListenAddress::parse("0.0.0.0:0"), options);
    ASSERT_FALSE(open_to_all.ok());
    EXPECT_NE(open_to_all.error().message.find("needs TLS"), std::string::npos)
        << open_to_all.error().message;
}

class ApiTls : public ApiAuth {
  protected:
    void SetUp() override {
        ApiAuth::SetUp();
        certs = dir / "certs";
        ASSERT_TRUE(sf::test::make_test_certificates(certs));
        ApiServerOptions options;
        options.tls_cert = certs + "/server.pem";
        options.tls_key = certs + "/server.key";
        tls = start_tcp(options);
        ASSERT_TRUE(tls);
        ASSERT_TRUE(tls->tls());
    }

    httplib::Client tls_client(const std::string& ca) const {
        httplib::Client c("https://127.0.0.1:" + std::to_string(tls->address().port));
        c.set_ca_cert_path(ca.c_str());
        c.enable_server_certificate_verification(true);
        c.set_bearer_token_auth(secret.c_str());
        return c;
    }

    std::string certs;
    std::unique_ptr<ApiServer> tls;
};

TEST_F(ApiTls, ServesTls13ToAClientThatTrustsItsCa) {
    auto c = tls_client(certs + "/ca.pem");
    auto r = c.Get("/v1/host");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    expect_error(tls_client(certs + "/ca.pem").Get("/v1/guests", {{"Authorization", "Bearer sft_nope"}}), 401,
                 "not valid");
}

TEST_F(ApiTls, RefusesPlainHttpOtherCasAndTls12) {
    httplib::Client plain("127.0.0.1", tls->address().port);
    plain.set_bearer_token_auth(secret.c_str());
    auto r = plain.Get("/v1/host");
    EXPECT_FALSE(r && r->status == 200) << "plain HTTP is not served on a TLS port";

    const std::string other = dir / "other-certs";
    ASSERT_TRUE(sf::test::make_test_certificates(other));
    auto untrusted = tls_client(other + "/ca.pem").Get("/v1/host");
    ASSERT_FALSE(untrusted);
    EXPECT_EQ(untrusted.error(), httplib::Error::SSLServerVerification);

    auto old = tls_client(certs + "/ca.pem");
    SSL_CTX_set_max_proto_version(old.ssl_context(), TLS1_2_VERSION);
    auto refused = old.Get("/v1/host");
    ASSERT_FALSE(refused) << "a TLS 1.2 client is refused";
    EXPECT_EQ(refused.error(), httplib::Error::SSLConnection);
}

TEST(ApiServerTlsConfig, ABadCertificateIsRefusedAtCreate) {
    FakeGuestService service;
    TempDir dir;
    auto tokens = must_open(dir / "api-tokens");
    std::ofstream(dir / "bad.pem") << "not a certificate\n";
    ApiServerOptions options;
    options.tokens = tokens.get();
    options.tls_cert = dir / "bad.pem";
    options.tls_key = dir / "bad.pem";
    auto server = ApiServer::create(service, *ListenAddress::loopback(0), options);
    ASSERT_FALSE(server.ok());
    EXPECT_NE(server.error().message.find("cannot load the TLS certificate"), std::string::npos)
        << server.error().message;
}

} // namespace
