// End-to-end: every sample guest boots on KVM and behaves as documented.
#include "e2e.h"
#include "superfluid/abi.h"

#include <regex>

using sf::test::run_guest;
using sf::vmm::ForegroundResult;
using Kind = sf::vmm::ForegroundResult::Kind;

TEST(Guests, HelloPrintsItsBootInfoAndExitsZero) {
    SF_REQUIRE_BACKEND();
    sf::vmm::GuestConfig config;
    config.name = "e2e-hello";
    config.id = 42;
    config.mem_size = 8ull << 20;
    config.cmdline = "alpha beta";
    auto run = run_guest("hello", config);
    EXPECT_EQ(run.result.kind, Kind::Exited);
    EXPECT_EQ(run.result.status, 0);
    EXPECT_TRUE(
        std::regex_match(run.console, std::regex("hello from superfluid: guest 'e2e-hello' id 42, abi 3, "
                                                 "8192 KiB memory, TSC [1-9][0-9]* MHz, cmdline "
                                                 "\"alpha beta\"\n")))
        << run.console;
}

TEST(Guests, SelftestExercisesTheRuntime) {
    SF_REQUIRE_BACKEND();
    sf::vmm::GuestConfig config;
    config.cmdline = "  a  bb\tccc ";
    auto run = run_guest("selftest", config);
    EXPECT_EQ(run.result.kind, Kind::Exited) << run.result.reason;
    EXPECT_EQ(run.result.status, 0) << run.console;
    EXPECT_NE(run.console.find("selftest: 3 args: [a] [bb] [ccc]"), std::string::npos) << run.console;
    EXPECT_NE(run.console.find("selftest: ok"), std::string::npos) << run.console;
    EXPECT_EQ(run.console.find("FAILED"), std::string::npos) << run.console;
}

TEST(Guests, TickerTicksAtItsInterval) {
    SF_REQUIRE_BACKEND();
    sf::vmm::GuestConfig config;
    config.cmdline = "4 30";
    const auto start = std::chrono::steady_clock::now();
    auto run = run_guest("ticker", config);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(run.result.kind, Kind::Exited);
    EXPECT_EQ(run.result.status, 0);
    std::regex line("tick ([0-9]+)/4 at ([0-9]+) ms\n");
    int count = 0;
    long last_ms = -1;
    for (std::sregex_iterator it(run.console.begin(), run.console.end(), line), end; it != end; ++it) {
        ++count;
        EXPECT_EQ(std::stoi((*it)[1]), count);
        long at_ms = std::stol((*it)[2]);
        EXPECT_GE(at_ms, 30L * count) << "tick came early: " << run.console;
        EXPECT_GT(at_ms, last_ms);
        last_ms = at_ms;
    }
    EXPECT_EQ(count, 4) << run.console;
    EXPECT_GE(elapsed, std::chrono::milliseconds(120));
}

TEST(Guests, TickerRejectsBadArguments) {
    SF_REQUIRE_BACKEND();
    sf::vmm::GuestConfig config;
    config.cmdline = "many";
    auto run = run_guest("ticker", config);
    EXPECT_EQ(run.result.kind, Kind::Exited);
    EXPECT_EQ(run.result.status, 2);
    EXPECT_NE(run.console.find("usage"), std::string::npos) << run.console;
}

TEST(Guests, NullDereferenceEndsTheGuestWithRip) {
    SF_REQUIRE_BACKEND();
    auto run = run_guest("crash-null");
    EXPECT_EQ(run.result.kind, Kind::Faulted);
    EXPECT_NE(run.result.reason.find("exception"), std::string::npos) << run.result.reason;
    EXPECT_TRUE(std::regex_search(run.result.reason, std::regex("rip=0x10[0-9a-f]{4}"))) << run.result.reason;
}

TEST(Guests, HypercallWithWildPointerEndsTheGuest) {
    SF_REQUIRE_BACKEND();
    auto run = run_guest("crash-badptr");
    EXPECT_EQ(run.result.kind, Kind::Faulted);
    EXPECT_NE(run.result.reason.find("console_write"), std::string::npos) << run.result.reason;
    EXPECT_NE(run.result.reason.find("outside the guest's memory"), std::string::npos) << run.result.reason;
    EXPECT_NE(run.result.reason.find("rip=0x"), std::string::npos) << run.result.reason;
}

TEST(Guests, SpinningGuestIsStoppedByTheTimeout) {
    SF_REQUIRE_BACKEND();
    const auto start = std::chrono::steady_clock::now();
    auto run = run_guest("crash-spin", {}, std::chrono::milliseconds(200));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(run.result.kind, Kind::TimedOut);
    EXPECT_GE(elapsed, std::chrono::milliseconds(200));
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(Guests, GoodGuestRunsAfterBadOnesInTheSameProcess) {
    SF_REQUIRE_BACKEND();
    EXPECT_EQ(run_guest("crash-badptr").result.kind, Kind::Faulted);
    EXPECT_EQ(run_guest("crash-null").result.kind, Kind::Faulted);
    EXPECT_EQ(run_guest("crash-spin", {}, std::chrono::milliseconds(50)).result.kind, Kind::TimedOut);
    auto run = run_guest("hello");
    EXPECT_EQ(run.result.kind, Kind::Exited);
    EXPECT_EQ(run.result.status, 0);
    EXPECT_NE(run.console.find("hello from superfluid"), std::string::npos);
}

TEST(Guests, ManyBootsLeaveNoFileDescriptorsBehind) {
    SF_REQUIRE_BACKEND();
    run_guest("hello"); // warm up lazily opened state
    const int before = sf::test::open_fd_count();
    for (int i = 0; i < 100; ++i) {
        auto run = run_guest(i % 2 ? "hello" : "crash-null");
        ASSERT_NE(run.result.kind, Kind::TimedOut);
    }
    EXPECT_EQ(sf::test::open_fd_count(), before);
}

TEST(Guests, ImageThatDoesNotFitMemoryIsRefused) {
    SF_REQUIRE_BACKEND();
    auto image = sf::vmm::Image::load_file(sf::test::guest_path("hello"));
    ASSERT_TRUE(image.ok());
    sf::test::CapturingConsole console;
    sf::vmm::GuestConfig config;
    config.cmdline = std::string(SF_CMDLINE_MAX, 'x');
    auto guest = sf::vmm::Guest::create(sf::test::backend_or_null(), *image, config, console);
    ASSERT_FALSE(guest.ok());
    EXPECT_NE(guest.error().message.find("command line is 1024 bytes"), std::string::npos);
}

TEST(Guests, WarmBootFromShellAndTemplateSharesTheImage) {
    SF_REQUIRE_BACKEND();
    auto image = sf::vmm::Image::load_file(sf::test::guest_path("hello"));
    ASSERT_TRUE(image.ok());
    auto tmpl = sf::vmm::MemoryTemplate::create(*image, 8ull << 20);
    ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
    for (int i = 0; i < 3; ++i) {
        auto shell = sf::vmm::Shell::create(*sf::test::backend_or_null());
        ASSERT_TRUE(shell.ok());
        sf::test::CapturingConsole console;
        sf::vmm::GuestConfig config;
        config.name = "warm" + std::to_string(i);
        config.mem_size = 8ull << 20;
        auto guest = sf::vmm::Guest::create(std::move(*shell), sf::test::backend_or_null()->memory_sharing(),
                                            **tmpl, config, console);
        ASSERT_TRUE(guest.ok()) << guest.error().message;
        auto result = sf::vmm::run_foreground(**guest, std::chrono::seconds(5));
        ASSERT_TRUE(result.ok());
        EXPECT_EQ(result->kind, Kind::Exited);
        EXPECT_NE(console.text.find("guest '" + config.name + "' id 1, abi 3, 8192 KiB"), std::string::npos)
            << console.text;
    }
    sf::vmm::GuestConfig wrong;
    auto shell = sf::vmm::Shell::create(*sf::test::backend_or_null());
    sf::test::CapturingConsole console;
    EXPECT_FALSE(sf::vmm::Guest::create(std::move(*shell), sf::test::backend_or_null()->memory_sharing(),
                                        **tmpl, wrong, console)
                     .ok());
}
