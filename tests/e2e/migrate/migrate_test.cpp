// superfluid migration tests: live migration between two sfds (docs/migration.md,
// "Migration"), each in a test host namespace of scripts/testhosts, their
// networks "edge" (10.77.0.0/24) joined on the test segment, a client on it
// (10.77.0.250) talking to a kvcount guest over one TCP connection while a
// ping runs. The guest moves there and back with the connection answering
// throughout, and every failure (wrong token, receiver killed, link cut, no
// receiver) leaves it running where it was and nothing on the other host.
#include "sfd_fixture.h"
#include "test_hosts.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

using sf::test::guest_image;
using sf::test::Incrementer;
using sf::test::LineConnection;
using sf::test::Pinger;
using sf::test::run_command;
using sf::test::Sfd;
using sf::test::shell;
using sf::test::TestHosts;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSubnet = "10.77.0.0/24";
constexpr const char* kClientAddress = "10.77.0.250/24";
constexpr auto kAnswer = std::chrono::seconds(8); // a request across a migration (TCP retransmits)

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Cli {
    int status = -1;
    std::string out, err;
    double ms = 0;
};

Cli sfctl(const Sfd& sfd, const std::string& args) {
    static std::atomic<int> serial{0};
    const std::string err_file =
        "/tmp/sf-migrate-test-err-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    Cli r;
    const auto t0 = Clock::now();
    r.out = run_command(std::string(SF_BIN_DIR) + "/sfctl --socket " + sfd.socket() + " " + args + " 2>" +
                            err_file,
                        &r.status);
    r.ms = ms_since(t0);
    std::ifstream in(err_file);
    r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_file);
    return r;
}

size_t lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

json guests(Sfd& sfd) {
    json list = sfd.get("/v1/guests").json();
    return list.is_object() ? list.value("guests", json()) : json();
}

json edge(Sfd& sfd) {
    return sfd.get("/v1/networks/edge").json();
}

template <typename Pred> bool eventually(Pred pred, std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (!pred()) {
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

struct Host {
    int index = 0;
    std::string address; // 10.99.0.I: its migration listener
    std::unique_ptr<Sfd> sfd;
    long free_addresses = -1; // of "edge" with no guest
};

class Migrate : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { TestHosts::clean_stale(); }

    void SetUp() override {
        SF_SFD_REQUIRE_KVM();
        if (::geteuid() != 0) GTEST_SKIP() << "SKIPPED: test hosts need root (ip netns, tc)";
        char pattern[] = "/tmp/sf-migrate-test-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        token_ = write_token("token", "superfluid-migration-test-token-1");
        hosts_ = std::make_unique<TestHosts>("1gbit");
        ASSERT_TRUE(hosts_->ok()) << "scripts/testhosts up failed";
        ASSERT_EQ(hosts_->run("addr", std::string("client ") + kClientAddress), 0);
        // A fresh set per test: no bridge or neighbour cache remembers an earlier test's guest.
    }

    void TearDown() override {
        for (Host& h : host_)
            h.sfd.reset(); // SIGTERM while the namespaces still exist
        hosts_.reset();    // down: kills what is left in them
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    std::string write_token(const std::string& name, const std::string& secret) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << secret << "\n";
        ::chmod(path.c_str(), 0600);
        return path;
    }

    // sfd in host I's namespace, listening for migrations, with network edge on the segment.
    void start_host(int i, const std::string& token, int timeout_ms = 5000) {
        Host& h = host_[i - 1];
        h.index = i;
        h.address = "10.99.0." + std::to_string(i);
        const std::string dir = dir_ + "/h" + std::to_string(i);
        std::filesystem::create_directories(dir);
        // Its peers: the two hosts, where NoReceiverFailsFast... finds nobody, and the
        // men in the middle of the threat-model tests (10.99.0.100:7450, the client namespace).
        // clang-format off
        const std::vector<std::string> args{"--workers", "1", "--migrate-listen", h.address + ":7440",
                                            "--migrate-token-file", token, "--migrate-timeout",
                                            std::to_string(timeout_ms), "--snapshot-dir", dir,
                                            "--migrate-peer", "10.99.0.1", "--migrate-peer", "10.99.0.2",
                                            "--migrate-peer", "10.99.0.2:7449", "--migrate-peer", "10.99.0.77",
                                            "--migrate-peer", "10.99.0.100:7450"};
        // clang-format on
        h.sfd = std::make_unique<Sfd>(
            args, dir, std::vector<std::string>{"ip", "netns", "exec", hosts_->ns("h" + std::to_string(i))});
        ASSERT_TRUE(h.sfd->running()) << "sfd in " << hosts_->ns("h" + std::to_string(i)) << " did not start";
        auto created = h.sfd->post("/v1/networks", json{{"name", "edge"}, {"subnet", kSubnet}}.dump());
        ASSERT_EQ(created.status, 201) << created.body;
        std::string out;
        ASSERT_EQ(hosts_->run("attach", "h" + std::to_string(i) + " edge", &out), 0) << out;
        h.free_addresses = edge(*h.sfd).value("free_addresses", -1L);
    }

    // kvcount "kv" on host 1 with `touch_kib` KiB of working set (the ~2 MiB guest of the
    // migration targets by default; "" for the bare one, ~190 KiB of stream), and the client's
    // connection to it, counter "n" at 3.
    void start_guest(const std::string& touch_kib = "2048") {
        json fields = {
            {"image", guest_image("kvcount")}, {"net", "edge"}, {"name", "kv"}, {"wait", "output"}};
        if (!touch_kib.empty()) fields["cmdline"] = touch_kib, fields["mem"] = "8M";
        auto created = host_[0].sfd->create(fields);
        ASSERT_EQ(created.status, 201) << created.body;
        ip_ = created.json()["nic"].value("ip", "");
        mac_ = created.json()["nic"].value("mac", "");
        ASSERT_FALSE(ip_.empty()) << created.body;
        std::string why;
        conn_ = LineConnection::open(hosts_->ns("client"), ip_, 7000, std::chrono::seconds(5), &why);
        ASSERT_TRUE(conn_) << "client to " << ip_ << ":7000: " << why;
        for (int i = 1; i <= 3; ++i)
            ASSERT_EQ(request("INCR n"), std::to_string(i));
        last_ = 3;
    }

    std::string request(const std::string& line, std::chrono::milliseconds timeout = kAnswer) {
        std::string why;
        auto answer = conn_->request(line, timeout, &why);
        return answer ? *answer : "(" + why + ")";
    }

    // The guest runs on host `i` (same MAC and IP), its connection answers with the next count.
    void expect_runs_on(int i) {
        json info = host_[i - 1].sfd->get("/v1/guests/kv").json();
        EXPECT_EQ(info.value("state", ""), "running") << "on h" << i << ": " << info.dump();
        ASSERT_TRUE(info.is_object() && info["nic"].is_object()) << info.dump();
        EXPECT_EQ(info["nic"].value("ip", ""), ip_);
        EXPECT_EQ(info["nic"].value("mac", ""), mac_);
        EXPECT_EQ(request("INCR n"), std::to_string(++last_)) << "the client's connection, guest on h" << i;
        EXPECT_EQ(edge(*host_[i - 1].sfd).value("free_addresses", -1L), host_[i - 1].free_addresses - 1);
    }

    // Host `i` has no guest and the guest's address is free there (a guest may take it).
    void expect_nothing_on(int i) {
        Sfd& sfd = *host_[i - 1].sfd;
        EXPECT_TRUE(eventually([&] { return guests(sfd).is_array() && guests(sfd).empty(); },
                               std::chrono::seconds(8)))
            << "h" << i << " lists " << guests(sfd).dump();
        EXPECT_EQ(edge(sfd).value("guests", -1), 0) << edge(sfd).dump();
        EXPECT_EQ(edge(sfd).value("free_addresses", -1L), host_[i - 1].free_addresses) << edge(sfd).dump();
        auto taken = sfd.create(json{{"image", guest_image("kvcount")},
                                     {"net", "edge"},
                                     {"ip", ip_},
                                     {"name", "probe"},
                                     {"start", false}});
        EXPECT_EQ(taken.status, 201) << "the address " << ip_ << " is free on h" << i << ": " << taken.body;
        if (taken.status == 201) {
            EXPECT_EQ(sfd.del("/v1/guests/probe").status, 200);
        }
    }

    // Migrates kv from host `from` to host `to` with INCRs and a 10 ms ping running; checks that the
    // connection answered throughout with the count going on, and bounds the lost pings.
    void migrate_under_traffic(int from, int to) {
        Pinger ping(hosts_->ns("client"), ip_, "0.01");
        ASSERT_TRUE(eventually([&] { return ping.replies() >= 20; }, std::chrono::seconds(5)))
            << "no ping replies";
        Incrementer incr(*conn_, "n", last_);
        ASSERT_TRUE(
            eventually([&] { return incr.answers() >= 20 || incr.failed(); }, std::chrono::seconds(5)));
        const long answers_before = incr.answers();
        Cli moved = sfctl(*host_[from - 1].sfd, "migrate kv " + host_[to - 1].address + " -o json");
        const long pings_after = ping.replies();
        const long answers_after = incr.answers();
        // The connection and the pings carry on after the move.
        EXPECT_TRUE(eventually([&] { return incr.answers() >= answers_after + 50 || incr.failed(); },
                               std::chrono::seconds(10)))
            << "the connection stopped answering after the migration: " << incr.answers() - answers_after;
        EXPECT_TRUE(eventually([&] { return ping.replies() >= pings_after + 50; }, std::chrono::seconds(10)))
            << "ping stopped getting replies after the migration";
        const Pinger::Counts counts = ping.stop();
        incr.stop();
        last_ = incr.last();
        ASSERT_EQ(moved.status, 0) << moved.err;
        EXPECT_EQ(moved.err, "");
        json figures = json::parse(moved.out, nullptr, false);
        ASSERT_TRUE(figures.is_object()) << moved.out;
        EXPECT_EQ(figures.value("guest", ""), "kv");
        EXPECT_EQ(figures.value("to", "").rfind(host_[to - 1].address, 0), 0u) << figures.dump();
        EXPECT_GT(figures.value("bytes_sent", 0), 0);
        EXPECT_GT(figures.value("total_ms", 0.0), 0.0);
        EXPECT_LE(figures.value("downtime_ms", -1.0), figures.value("total_ms", 0.0));
        // How many frames reached the guest at the source while it was paused and followed it (step 6).
        EXPECT_TRUE(figures.value("phases", json::object()).contains("frames_forwarded")) << figures.dump();
        EXPECT_TRUE(incr.failure().empty()) << incr.failure();
        EXPECT_GT(incr.answers(), answers_before);
        EXPECT_LT(incr.longest_wait_ms(), 2000)
            << "a request waited that long for its answer across the move";
        EXPECT_GE(counts.sent, 50);
        EXPECT_LE(counts.lost(), 20) << "pings lost at 10 ms intervals";
        std::printf(
            "h%d -> h%d: sfctl %.1f ms; total %.2f ms, downtime %.2f ms, %llu bytes, %d rounds, phases %s; "
            "pings %ld sent, %ld lost; INCRs %ld answered, longest wait %.1f ms\n",
            from, to, moved.ms, figures.value("total_ms", 0.0), figures.value("downtime_ms", 0.0),
            static_cast<unsigned long long>(figures.value("bytes_sent", 0ull)), figures.value("rounds", 0),
            figures.value("phases", json::object()).dump().c_str(), counts.sent, counts.lost(),
            incr.answers(), incr.longest_wait_ms());
        std::fflush(stdout);
    }

    // Shapes host 1's link so that the guest's stream (measured with a save --keep, which writes
    // the same pages and records) takes about `seconds` to cross it, after the tbf's 64 KiB burst.
    void shape_for(double seconds) {
        const std::string file = dir_ + "/h1/size.snap"; // in host 1's --snapshot-dir
        auto saved = host_[0].sfd->post("/v1/guests/kv/save", json{{"file", file}, {"keep", true}}.dump());
        ASSERT_EQ(saved.status, 200) << saved.body;
        std::filesystem::remove(file);
        const double bytes = static_cast<double>(saved.json().value("bytes", 0ull));
        ASSERT_GT(bytes, 128 << 10) << "a guest stream larger than the link's burst";
        const long kbit = std::max(64L, static_cast<long>((bytes - (64 << 10)) * 8 / 1000 / seconds));
        std::printf("guest stream %.0f KiB: host 1's link shaped to %ld kbit (~%.1f s)\n", bytes / 1024, kbit,
                    seconds);
        std::string out;
        ASSERT_EQ(hosts_->run("link", "h1 shape " + std::to_string(kbit) + "kbit", &out), 0) << out;
    }

    // A migration over the shaped link that nothing disturbs succeeds (so the failure that
    // follows is the fault's doing), and the guest comes back to host 1 the same way.
    void control_there_and_back() {
        Cli there = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
        ASSERT_EQ(there.status, 0) << "undisturbed migration over the shaped link: " << there.err;
        Cli back = sfctl(*host_[1].sfd, "migrate kv " + host_[0].address);
        ASSERT_EQ(back.status, 0) << "undisturbed migration back over the shaped link: " << back.err;
        std::printf("control over the shaped link: there %.0f ms, back %.0f ms\n", there.ms, back.ms);
        ASSERT_NO_FATAL_FAILURE(expect_runs_on(1));
    }

    // Host 2 holds the arriving guest: the transfer is under way.
    bool wait_in_flight() {
        return eventually([&] { return guests(*host_[1].sfd).is_array() && !guests(*host_[1].sfd).empty(); },
                          std::chrono::seconds(10));
    }

    std::string dir_, token_, ip_, mac_;
    std::unique_ptr<TestHosts> hosts_;
    Host host_[2];
    std::unique_ptr<LineConnection> conn_;
    long last_ = 0;
};

// The guest moves to host 2 and back while the client's connection keeps
// counting and a 10 ms ping runs: no reset, no count lost or repeated, a few
// pings lost at most; each time it is listed there (same MAC and IP) and gone
// from the other host, its address free there.
TEST_F(Migrate, ThereAndBackKeepingTheClientsConnection) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    ASSERT_NO_FATAL_FAILURE(migrate_under_traffic(1, 2));
    expect_runs_on(2);
    EXPECT_EQ(host_[0].sfd->get("/v1/guests/kv").status, 404);
    expect_nothing_on(1);
    ASSERT_NO_FATAL_FAILURE(migrate_under_traffic(2, 1));
    expect_runs_on(1);
    EXPECT_EQ(host_[1].sfd->get("/v1/guests/kv").status, 404);
    expect_nothing_on(2);
    EXPECT_EQ(request("GET n"), std::to_string(last_));
}

// Host 2 has another token: the migration is refused saying so; the guest runs
// on at host 1, host 2 has nothing.
TEST_F(Migrate, WrongTokenIsRefusedAndTheGuestRunsOn) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, write_token("other", "another-secret-of-host-two-0000")));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    Cli refused = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(refused.err.rfind("sfctl migrate: ", 0), 0u) << refused.err;
    EXPECT_NE(refused.err.find("token"), std::string::npos) << "the message says why: " << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    std::printf("wrong token refused in %.1f ms: %s", refused.ms, refused.err.c_str());
    expect_runs_on(1);
    expect_nothing_on(2);
}

// Men in the middle (docs/migration.md, "Threat model"): host 1 is told to
// migrate to an address on the segment (in the client's namespace) where a
// test server plays the attacker. Each time the migration fails saying so,
// the guest runs on at host 1 and host 2 keeps nothing.
constexpr uint16_t kMitmPort = 7450;
constexpr const char* kMitmAddress = "10.99.0.100"; // the client namespace's address on the segment
constexpr uint64_t kHandshakeBytes = 48 + 40;       // the sender's Hello and proof (migration_handshake.h)

// A relay to host 2 that flips one bit of the guest's pages on the way: the
// sealed stream fails to open at host 2.
TEST_F(Migrate, ABitFlippedOnTheWayIsRefusedAndTheGuestRunsOn) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    constexpr uint64_t kFlip = 300 << 10; // inside the first pre-copy Memory record
    std::atomic<bool> stop{false};
    std::atomic<bool> flipped{false};
    sf::test::NamespaceServer mitm(hosts_->ns("client"), kMitmAddress, kMitmPort, [&](int sender) {
        const int receiver = sf::test::connect_to(host_[1].address, 7440);
        if (receiver < 0) return;
        sf::test::relay(
            sender, receiver,
            [&](std::vector<uint8_t>& chunk, uint64_t at) {
                if (at <= kFlip && kFlip < at + chunk.size()) {
                    chunk[kFlip - at] ^= 0x04;
                    flipped = true;
                }
                return true;
            },
            stop);
        ::close(receiver);
    });
    ASSERT_TRUE(mitm.listening());
    Cli refused =
        sfctl(*host_[0].sfd, "migrate kv " + std::string(kMitmAddress) + ":" + std::to_string(kMitmPort));
    stop = true;
    EXPECT_TRUE(flipped) << "the stream reached the flipped byte";
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_NE(refused.err.find("runs on here"), std::string::npos) << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    std::printf("bit flipped on the way: refused in %.1f ms: %s", refused.ms, refused.err.c_str());
    expect_runs_on(1);
    expect_nothing_on(2);
}

// A relay to host 2 that passes the handshake on, then puts a stream of its
// own (a Host record, unsealed: it has no keys) in place of the sender's.
TEST_F(Migrate, ARelaysOwnStreamIsRefusedAndTheGuestRunsOn) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    std::atomic<bool> stop{false};
    std::atomic<bool> injected{false};
    sf::test::NamespaceServer mitm(hosts_->ns("client"), kMitmAddress, kMitmPort, [&](int sender) {
        const int receiver = sf::test::connect_to(host_[1].address, 7440);
        if (receiver < 0) return;
        sf::test::relay(
            sender, receiver,
            [&](std::vector<uint8_t>& chunk, uint64_t at) {
                if (at < kHandshakeBytes) return true;
                if (injected) return false; // the sender's sealed records go nowhere
                const std::string host =
                    R"({"name":"evil","image":"/bin/true","mem":8388608,"cmdline":"","id":1})";
                std::vector<uint8_t> own(32 + 24, 0);
                std::memcpy(own.data(), "SFSNAP\0\0", 8);
                own[8] = 1;  // version 1
                own[32] = 1; // tag Host
                const uint64_t length = host.size();
                std::memcpy(own.data() + 40, &length, sizeof length);
                own.insert(own.end(), host.begin(), host.end());
                chunk = std::move(own);
                injected = true;
                return true;
            },
            stop);
        ::close(receiver);
    });
    ASSERT_TRUE(mitm.listening());
    Cli refused =
        sfctl(*host_[0].sfd, "migrate kv " + std::string(kMitmAddress) + ":" + std::to_string(kMitmPort));
    stop = true;
    EXPECT_TRUE(injected);
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_NE(refused.err.find("runs on here"), std::string::npos) << refused.err;
    std::printf("relay with a stream of its own: refused in %.1f ms: %s", refused.ms, refused.err.c_str());
    expect_runs_on(1);
    expect_nothing_on(2);
}

// A host that does not hold the token answers as a receiver (a Hello and a
// made-up proof): the sender refuses it, and all it got was the sender's
// Hello and proof, nothing of the guest.
TEST_F(Migrate, AReceiverWithoutTheTokenGetsNothingOfTheGuest) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    std::atomic<size_t> got{0};
    sf::test::NamespaceServer fake(hosts_->ns("client"), kMitmAddress, kMitmPort, [&](int sender) {
        // HelloMessage {"SFMIGR\0\0", version 2, role 2 (receiver), nonce}, then ProofMessage {kAccepted, 0,
        // proof}.
        uint8_t hello[48] = {'S', 'F', 'M', 'I', 'G', 'R', 0, 0, 2, 0, 0, 0, 2, 0, 0, 0};
        uint8_t proof[40] = {1};
        std::memset(proof + 8, 0x5a, 32);
        (void)::send(sender, hello, sizeof hello, MSG_NOSIGNAL);
        uint8_t buf[4096];
        bool proved = false;
        for (;;) {
            pollfd p{sender, POLLIN, 0};
            if (::poll(&p, 1, 3000) <= 0) return;
            const ssize_t n = ::recv(sender, buf, sizeof buf, 0);
            if (n <= 0) return;
            got += static_cast<size_t>(n);
            if (!proved && got >= kHandshakeBytes) {
                proved = true;
                (void)::send(sender, proof, sizeof proof, MSG_NOSIGNAL);
            }
        }
    });
    ASSERT_TRUE(fake.listening());
    Cli refused =
        sfctl(*host_[0].sfd, "migrate kv " + std::string(kMitmAddress) + ":" + std::to_string(kMitmPort));
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_NE(refused.err.find("did not prove it holds the migration token"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("runs on here"), std::string::npos) << refused.err;
    EXPECT_TRUE(eventually([&] { return got == kHandshakeBytes; }, std::chrono::seconds(2))) << got;
    std::printf("receiver without the token: refused in %.1f ms, it got %zu bytes: %s", refused.ms,
                got.load(), refused.err.c_str());
    expect_runs_on(1);
}

// 20 connections to host 2's listener from the client's address that never
// say anything: a real migration from host 1 still gets through at once
// (before: 16 such connections kept every migration out).
TEST_F(Migrate, IdleConnectionsDoNotKeepAMigrationOut) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    std::vector<std::unique_ptr<LineConnection>> idle;
    for (int i = 0; i < 20; ++i) {
        std::string why;
        idle.push_back(LineConnection::open(hosts_->ns("client"), host_[1].address, 7440,
                                            std::chrono::seconds(2), &why));
        ASSERT_TRUE(idle.back()) << why;
    }
    Cli moved = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    EXPECT_EQ(moved.status, 0) << moved.err;
    std::printf("with 20 idle connections from another address: migrated in %.1f ms\n", moved.ms);
    expect_runs_on(2);
    expect_nothing_on(1);
}

// Host 2's sfd is killed (SIGKILL) while the guest's memory is on its way over
// a slow link: the migration fails within the timeout, the guest runs on at
// host 1 and its connection goes on counting.
TEST_F(Migrate, ReceiverKilledMidTransferLeavesTheGuestRunning) {
    constexpr int kTimeoutMs = 3000;
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    ASSERT_NO_FATAL_FAILURE(shape_for(1.2));
    ASSERT_NO_FATAL_FAILURE(control_there_and_back());
    Incrementer incr(*conn_, "n", last_);
    auto moving = std::async(std::launch::async,
                             [&] { return sfctl(*host_[0].sfd, "migrate kv " + host_[1].address); });
    ASSERT_TRUE(wait_in_flight()) << "host 2 never held the arriving guest";
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // into the memory transfer
    ASSERT_NE(moving.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "the transfer was over before the kill: " << moving.get().err;
    const auto killed = Clock::now();
    host_[1].sfd->kill_hard();
    const Cli failed = moving.get();
    const double after_kill = ms_since(killed);
    EXPECT_EQ(failed.status, 1) << failed.out;
    EXPECT_NE(failed.err.find("runs on here"), std::string::npos) << failed.err;
    EXPECT_EQ(lines(failed.err), 1u) << failed.err;
    EXPECT_LE(after_kill, kTimeoutMs + 1500) << "the failure is noticed within the migration timeout";
    std::printf("receiver killed: migrate failed %.1f ms after the kill (%.1f ms in all): %s", after_kill,
                failed.ms, failed.err.c_str());
    ASSERT_TRUE(eventually([&] { return incr.answers() >= 20 || incr.failed(); }, std::chrono::seconds(10)));
    const long answered = incr.answers();
    EXPECT_TRUE(eventually([&] { return incr.answers() >= answered + 20 || incr.failed(); },
                           std::chrono::seconds(10)))
        << "the guest answers on at host 1";
    incr.stop();
    EXPECT_TRUE(incr.failure().empty()) << incr.failure();
    last_ = incr.last();
    expect_runs_on(1);
}

// Host 1's link goes down mid-transfer, and up again once the migration has
// failed (within --migrate-timeout): the guest runs on at host 1, its
// connection recovers, and host 2 dropped what it had built, address freed.
TEST_F(Migrate, LinkCutMidTransferLeavesTheGuestRunning) {
    constexpr int kTimeoutMs = 2000;
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    ASSERT_NO_FATAL_FAILURE(shape_for(0.8));
    ASSERT_NO_FATAL_FAILURE(control_there_and_back());
    auto moving = std::async(std::launch::async,
                             [&] { return sfctl(*host_[0].sfd, "migrate kv " + host_[1].address); });
    ASSERT_TRUE(wait_in_flight()) << "host 2 never held the arriving guest";
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // into the memory transfer
    ASSERT_NE(moving.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "the transfer was over before the cut: " << moving.get().err;
    const auto cut = Clock::now();
    std::string out;
    const int down = hosts_->run("link", "h1 down", &out);
    const Cli failed = moving.get();
    const double after_cut = ms_since(cut);
    std::string up_out;
    EXPECT_EQ(hosts_->run("link", "h1 up", &up_out), 0) << up_out;
    ASSERT_EQ(down, 0) << out;
    EXPECT_EQ(failed.status, 1) << failed.out;
    EXPECT_NE(failed.err.find("runs on here"), std::string::npos) << failed.err;
    EXPECT_EQ(lines(failed.err), 1u) << failed.err;
    EXPECT_LE(after_cut, kTimeoutMs + 1500) << "the failure comes within --migrate-timeout of the cut";
    std::printf("link cut: migrate failed %.1f ms after the cut (%.1f ms in all): %s", after_cut, failed.ms,
                failed.err.c_str());
    EXPECT_EQ(host_[0].sfd->get("/v1/guests/kv").json().value("state", ""), "running");
    EXPECT_EQ(request("INCR n", std::chrono::seconds(20)), std::to_string(++last_))
        << "the connection recovers";
    expect_nothing_on(2);
    expect_runs_on(1);
}

// Host 2 already has a guest of that name, then one holding the guest's
// address: each migration is refused saying why; the guest runs on at host 1
// and host 2's own guests are untouched.
TEST_F(Migrate, ClashesAtTheReceiverAreRefused) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    Sfd& h2 = *host_[1].sfd;
    auto same_name = h2.create(json{{"image", guest_image("kvcount")}, {"name", "kv"}, {"start", false}});
    ASSERT_EQ(same_name.status, 201) << same_name.body;
    Cli refused = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("'kv' exists already"), std::string::npos) << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    expect_runs_on(1);
    ASSERT_EQ(h2.del("/v1/guests/kv").status, 200);

    auto same_address = h2.create(json{{"image", guest_image("kvcount")},
                                       {"net", "edge"},
                                       {"ip", ip_},
                                       {"name", "other"},
                                       {"start", false}});
    ASSERT_EQ(same_address.status, 201) << same_address.body;
    refused = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find(ip_), std::string::npos) << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    expect_runs_on(1);
    json left = guests(h2);
    ASSERT_EQ(left.size(), 1u) << left.dump();
    EXPECT_EQ(left[0].value("name", ""), "other");
    EXPECT_EQ(left[0].value("state", ""), "created");
    EXPECT_EQ(edge(h2).value("free_addresses", -1L), host_[1].free_addresses - 1);
}

// The guest's store keys arrive under the guest's own quotas at the receiver:
// a value it could not have written itself (over 2 KiB, put there by dom0)
// makes the receiver refuse the commit, saying why; the guest runs on at
// host 1 with its keys. Within the quota it moves, keys and all.
TEST_F(Migrate, StoreDataOverTheGuestsQuotaIsRefusedAndTheGuestRunsOn) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest(""));
    const std::string home =
        "/local/domain/" + std::to_string(host_[0].sfd->get("/v1/guests/kv").json().value("id", 0));
    auto xs = [](Sfd& sfd, const std::string& command) {
        return shell("XENSTORED_PATH=" + sfd.store_socket() + " xenstore-" + command);
    };
    const std::string large(3000, 'v');
    ASSERT_EQ(xs(*host_[0].sfd, "write " + home + "/data/small fits"), "");
    ASSERT_EQ(xs(*host_[0].sfd, "write " + home + "/data/large " + large), "");
    Cli refused = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("runs on here"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("data/large: E2BIG (a value larger than the guest may write)"),
              std::string::npos)
        << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    expect_runs_on(1);
    expect_nothing_on(2);
    EXPECT_EQ(xs(*host_[0].sfd, "read " + home + "/data/large"), large + "\n")
        << "nothing lost at the source";

    ASSERT_EQ(xs(*host_[0].sfd, "rm " + home + "/data/large"), "");
    Cli moved = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address);
    ASSERT_EQ(moved.status, 0) << moved.err;
    expect_runs_on(2);
    const std::string there =
        "/local/domain/" + std::to_string(host_[1].sfd->get("/v1/guests/kv").json().value("id", 0));
    EXPECT_EQ(xs(*host_[1].sfd, "read " + there + "/data/small"), "fits\n");
}

// A link slow enough that the stream takes longer than --migrate-timeout to
// cross it, but never stalls: the bytes keep flowing, no wait for the other
// host lasts the timeout, so the migration completes.
TEST_F(Migrate, SlowButHealthyLinkMigrates) {
    constexpr int kTimeoutMs = 2000;
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_, kTimeoutMs));
    ASSERT_NO_FATAL_FAILURE(
        start_guest("")); // a stream smaller than the socket buffers: all of it crosses after the writes
    ASSERT_NO_FATAL_FAILURE(shape_for(3.0));
    Cli moved = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address + " -o json");
    std::printf("over the slow link: %.0f ms: %s%s", moved.ms, moved.out.c_str(), moved.err.c_str());
    EXPECT_EQ(moved.status, 0) << "a migration slower than --migrate-timeout on a link that never stalls: "
                               << moved.err;
    if (moved.status == 0) {
        expect_runs_on(2);
        expect_nothing_on(1);
    } else {
        expect_runs_on(1);
        expect_nothing_on(2);
    }
}

// Nothing listens at the address (refused), or no host answers there at all:
// the migration fails fast and the guest is untouched.
TEST_F(Migrate, NoReceiverFailsFastAndTheGuestIsUntouched) {
    ASSERT_NO_FATAL_FAILURE(start_host(1, token_));
    ASSERT_NO_FATAL_FAILURE(start_host(2, token_));
    ASSERT_NO_FATAL_FAILURE(start_guest());
    Cli refused = sfctl(*host_[0].sfd, "migrate kv " + host_[1].address + ":7449");
    EXPECT_EQ(refused.status, 1) << refused.out;
    EXPECT_NE(refused.err.find(host_[1].address + ":7449"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("runs on here"), std::string::npos) << refused.err;
    EXPECT_EQ(lines(refused.err), 1u) << refused.err;
    EXPECT_LT(refused.ms, 1000) << "a refused connection fails at once";
    std::printf("nobody listening: failed in %.1f ms: %s", refused.ms, refused.err.c_str());
    expect_runs_on(1);
    Cli silent = sfctl(*host_[0].sfd, "migrate kv 10.99.0.77");
    EXPECT_EQ(silent.status, 1) << silent.out;
    EXPECT_NE(silent.err.find("10.99.0.77"), std::string::npos) << silent.err;
    EXPECT_LT(silent.ms, 4000) << "no host there: the connect gives up after its bound";
    std::printf("no host there: failed in %.1f ms: %s", silent.ms, silent.err.c_str());
    expect_runs_on(1);
    Cli bad = sfctl(*host_[0].sfd, "migrate kv 10.99.0.2:notaport");
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(lines(bad.err), 1u) << bad.err;
    expect_runs_on(1);
    expect_nothing_on(2);
}

} // namespace
