// superfluid sfd tests: httpd serves the page its store key holds
// (/local/domain/<id>/data/page), follows changes to it through its watch,
// and falls back to its built-in page when the key is removed. The host
// writes the key with Debian's xenstore-write on sfd's embedded store; Linux's
// curl reads the page. Runs in a private namespace (scripts/testns), like sfd.net.
#include "sfd_fixture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

using sf::test::guest_image;
using sf::test::Sfd;
using json = nlohmann::json;

using sf::test::page_with;
using sf::test::shell;

TEST(SfdHttpdStore, HttpdServesItsStoreKeyAndFollowsIt) {
    SF_SFD_REQUIRE_KVM();
    if (std::getenv("SF_TESTNS") == nullptr)
        GTEST_SKIP() << "SKIPPED: run under scripts/testns (ctest does): networks need a private namespace";
    Sfd sfd({"--workers", "1"});
    auto net = sfd.post("/v1/networks", json{{"name", "pnet"}, {"subnet", "10.74.0.0/24"}}.dump());
    ASSERT_EQ(net.status, 201) << net.body;
    auto created = sfd.create(json{{"image", guest_image("httpd")}, {"net", "pnet"}, {"wait", "output"}});
    ASSERT_EQ(created.status, 201) << created.body;
    const json body = created.json();
    const std::string ip = body["nic"].value("ip", "");
    const std::string key = "/local/domain/" + std::to_string(body.value("id", uint64_t{0})) + "/data/page";
    const std::string xs = "XENSTORED_PATH=" + sfd.store_socket() + " xenstore-";

    // No key yet: the built-in page.
    EXPECT_NE(shell("curl -s -m 5 http://" + ip + "/").find("<h1>superfluid</h1>"), std::string::npos);
    ASSERT_EQ(shell(xs + "write " + key + " '<p>first from the store</p>'"), "");
    EXPECT_EQ(page_with(ip, "first from the store"), "<p>first from the store</p>");
    ASSERT_EQ(shell(xs + "write " + key + " '<p>second</p>'"), "");
    EXPECT_EQ(page_with(ip, "second"), "<p>second</p>");
    // Too long for httpd (over 512 bytes): it keeps serving, the built-in page.
    ASSERT_EQ(shell(xs + "write " + key + " " + std::string(600, 'x')), "");
    EXPECT_NE(page_with(ip, "<h1>superfluid</h1>").find("<h1>superfluid</h1>"), std::string::npos);
    ASSERT_EQ(shell(xs + "write " + key + " '<p>third</p>'"), "");
    EXPECT_EQ(page_with(ip, "third"), "<p>third</p>");
    // Removed: the built-in page again.
    ASSERT_EQ(shell(xs + "rm " + key), "");
    EXPECT_NE(page_with(ip, "<h1>superfluid</h1>").find("<h1>superfluid</h1>"), std::string::npos);
    // The guest waited in poll throughout: nothing left running.
    for (const auto& w : sfd.get("/v1/host").json()["workers"])
        EXPECT_EQ(w["scheduler"].value("running", -1), 0) << w.dump();
}
