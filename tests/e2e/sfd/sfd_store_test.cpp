// superfluid sfd tests: the toolstack on its store. Every guest's record
// under /local/domain/<id> (read with Debian's xenstore-utils on sfd's
// embedded store), and a restarted sfd recovering its view from the durable
// (lmdb) store after SIGKILL: guests in surviving workers re-adopted and
// running on, guests whose worker died reported crashed.
#include "sfd_fixture.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using sf::test::guest_image;
using sf::test::run_command;
using sf::test::Sfd;
using json = nlohmann::json;

namespace {

// xenstore-<tool> against sfd's store; its stdout (status in *status).
std::string xs(const Sfd& sfd, const std::string& tool, const std::string& args, int* status = nullptr) {
    return run_command("XENSTORED_PATH=" + sfd.store_socket() + " xenstore-" + tool + " " + args + " 2>&1",
                       status);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

uint64_t create_ok(Sfd& sfd, const json& fields) {
    auto r = sfd.create(fields);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", uint64_t{0});
}

json guest(Sfd& sfd, uint64_t id) {
    return sfd.get("/v1/guests/" + std::to_string(id)).json();
}

// Waits until guest `id` is in `state` (or 10 s pass).
bool wait_state(Sfd& sfd, uint64_t id, const std::string& state) {
    return sfd.wait_state(std::to_string(id), state);
}

struct TempDir {
    std::string path;
    TempDir() {
        char pattern[] = "/tmp/sf-store-test-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// Alive and not a zombie (an orphaned worker's parent may never reap it).
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (pid <= 0 || !std::getline(stat, line)) return false;
    const size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (alive(pid) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return !alive(pid);
}

} // namespace

TEST(SfdStore, EveryGuestHasItsRecordOfAtMost17Entries) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--pool", "2"});
    const uint64_t id = create_ok(
        sfd, {{"image", guest_image("ticker")}, {"name", "rec"}, {"cmdline", "1000 50"}, {"mem", "8M"}});
    const std::string home = "/local/domain/" + std::to_string(id);
    EXPECT_EQ(trim(xs(sfd, "read", home + "/name")), "rec");
    EXPECT_EQ(trim(xs(sfd, "read", home + "/state")), "running");
    EXPECT_EQ(trim(xs(sfd, "read", home + "/image")), guest_image("ticker"));
    EXPECT_EQ(trim(xs(sfd, "read", home + "/memory")), std::to_string(8 << 20));
    EXPECT_EQ(trim(xs(sfd, "read", home + "/cmdline")), "1000 50");
    // The guest may read the toolstack's entries about it, and owns data/.
    const std::string perms = xs(sfd, "ls", "-p " + home);
    EXPECT_NE(perms.find("(n0,r" + std::to_string(id) + ")"), std::string::npos) << perms;
    EXPECT_NE(perms.find("(n" + std::to_string(id) + ")"), std::string::npos) << perms; // data/
    const std::string listing = xs(sfd, "ls", "-f " + home);
    const size_t entries = 1 + static_cast<size_t>(std::count(listing.begin(), listing.end(), '\n'));
    EXPECT_LE(entries, 17u) << listing;
    EXPECT_GE(entries, 11u) << listing; // no NIC, not ended: 11 of the 17

    ASSERT_EQ(sfd.post("/v1/guests/rec/pause").status, 200);
    EXPECT_EQ(trim(xs(sfd, "read", home + "/state")), "paused");
    ASSERT_EQ(sfd.del("/v1/guests/rec").status, 200);
    int status = 0;
    xs(sfd, "exists", home, &status);
    EXPECT_NE(status, 0) << "a destroyed guest's record is removed";

    const uint64_t done = create_ok(sfd, {{"image", guest_image("hello")}, {"wait", "output"}});
    ASSERT_TRUE(wait_state(sfd, done, "exited"));
    const std::string done_home = "/local/domain/" + std::to_string(done);
    for (int i = 0; i < 100 && trim(xs(sfd, "read", done_home + "/state")) != "exited"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(trim(xs(sfd, "read", done_home + "/state")), "exited");
    EXPECT_EQ(trim(xs(sfd, "read", done_home + "/exit-status")), "0");
}

TEST(SfdStore, WithoutAStoreGuestsStillRun) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--pool", "2", "--store", "none"});
    const uint64_t id = create_ok(sfd, {{"image", guest_image("hello")}, {"wait", "output"}});
    EXPECT_TRUE(wait_state(sfd, id, "exited"));
    EXPECT_FALSE(std::filesystem::exists(sfd.store_socket()));
}

TEST(SfdStore, LmdbNeedsADataDirectory) {
    int status = 0;
    const std::string out = run_command(std::string(SF_BIN_DIR) + "/sfd --store lmdb 2>&1", &status);
    EXPECT_EQ(status, 2);
    EXPECT_NE(out.find("--store-data"), std::string::npos) << out;
}

// The restart path: sfd killed with SIGKILL while a client creates guests;
// one of its two workers is killed too. The restarted sfd lists every guest
// it acknowledged: those of the surviving worker running on (re-adopted:
// their consoles keep growing, they can be paused and destroyed), those of
// the dead worker crashed, an exited one exited.
TEST(SfdStore, RestartedSfdRecoversItsGuestsAfterSigkill) {
    SF_SFD_REQUIRE_KVM();
    TempDir dir;
    const std::vector<std::string> args = {"--workers",      "2",    "--pool",       "4",
                                           "--store",        "lmdb", "--store-data", dir.path + "/db",
                                           "--orphan-grace", "30"};
    std::set<uint64_t> acknowledged;
    std::mutex acknowledged_mutex;
    uint64_t exited_id = 0;
    std::vector<pid_t> workers;
    {
        auto sfd = std::make_unique<Sfd>(args, dir.path);
        exited_id = create_ok(*sfd, {{"image", guest_image("hello")}, {"wait", "output"}});
        ASSERT_TRUE(wait_state(*sfd, exited_id, "exited"));
        std::atomic<bool> stop{false};
        std::thread load([&] { // creates until sfd is gone
            while (!stop) {
                auto r = sfd->create({{"image", guest_image("ticker")}, {"cmdline", "100000 20"}});
                if (r.status != 201) break;
                std::lock_guard lock(acknowledged_mutex);
                acknowledged.insert(r.json().value("id", uint64_t{0}));
            }
        });
        for (;;) {
            {
                std::lock_guard lock(acknowledged_mutex);
                if (acknowledged.size() >= 12) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        workers = sfd->worker_pids();
        sfd->kill_hard(); // under load
        stop = true;
        load.join();
        sfd.reset(); // its directory stays for the restart (dir owns it)
    }
    ASSERT_EQ(workers.size(), 2u);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(alive(workers[0]) && alive(workers[1])) << "workers outlive sfd with a durable store";
    ::kill(workers[1], SIGKILL);

    Sfd sfd(args, dir.path);
    json list = sfd.get("/v1/guests").json().value("guests", json());
    ASSERT_TRUE(list.is_array());
    std::map<uint64_t, json> by_id;
    for (const json& g : list)
        by_id[g.value("id", uint64_t{0})] = g;
    EXPECT_EQ(by_id.at(exited_id).value("state", ""), "exited");
    size_t running = 0, crashed = 0;
    for (uint64_t id : acknowledged) {
        ASSERT_TRUE(by_id.count(id)) << "acknowledged guest " << id << " is listed";
        const json& g = by_id[id];
        if (g.value("worker", -1) == 0) {
            EXPECT_EQ(g.value("state", ""), "running") << g.dump();
            ++running;
        } else {
            EXPECT_EQ(g.value("state", ""), "crashed") << g.dump();
            EXPECT_NE(g.value("reason", "").find("gone"), std::string::npos) << g.dump();
            ++crashed;
        }
    }
    EXPECT_GT(running, 0u);
    EXPECT_GT(crashed, 0u);
    EXPECT_EQ(sfd.worker_pids().size(), 2u) << "the dead worker's slot is filled again";
    EXPECT_NE(std::find(sfd.worker_pids().begin(), sfd.worker_pids().end(), workers[0]),
              sfd.worker_pids().end())
        << "the surviving worker is adopted, not replaced";

    // A re-adopted guest is alive: its console grows, and it obeys.
    uint64_t adopted = 0;
    for (uint64_t id : acknowledged)
        if (by_id[id].value("state", "") == "running") adopted = id;
    const std::string ref = "/v1/guests/" + std::to_string(adopted);
    const uint64_t before = sfd.get(ref).json().value("console_bytes", uint64_t{0});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_GT(sfd.get(ref).json().value("console_bytes", uint64_t{0}), before);
    EXPECT_NE(sfd.get(ref + "/logs").body.find("tick"), std::string::npos);
    EXPECT_EQ(sfd.post(ref + "/pause").status, 200);
    EXPECT_EQ(sfd.del(ref).status, 200);
    // New guests get new ids, never one of the recovered.
    const uint64_t fresh = create_ok(sfd, {{"image", guest_image("hello")}, {"wait", "output"}});
    EXPECT_EQ(by_id.count(fresh), 0u);
    EXPECT_EQ(sfd.stop(), 0);
    EXPECT_TRUE(gone_within(workers[0], std::chrono::seconds(5))) << "SIGTERM stops the adopted worker too";
}

namespace {

// Runs storecheck with `commands` to its end; its console.
std::string storecheck(Sfd& sfd, const std::string& commands, uint64_t* id_out = nullptr) {
    const uint64_t id = create_ok(sfd, {{"image", guest_image("storecheck")}, {"cmdline", commands}});
    if (id_out) *id_out = id;
    EXPECT_TRUE(wait_state(sfd, id, "exited")) << guest(sfd, id).dump();
    return sfd.get("/v1/guests/" + std::to_string(id) + "/logs").body;
}

bool has(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
}

} // namespace

// A guest reads the toolstack's entries about it and writes its own data/,
// and nothing else: not its toolstack entries, not another guest's, not /tool.
TEST(SfdStore, GuestsReadTheirConfigAndWriteOnlyTheirOwnData) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--pool", "4"});
    const uint64_t other =
        create_ok(sfd, {{"image", guest_image("ticker")}, {"name", "other"}, {"cmdline", "100000 50"}});
    const std::string other_home = "/local/domain/" + std::to_string(other);
    ASSERT_EQ(xs(sfd, "write", other_home + "/data/secret hidden"), "");
    uint64_t id = 0;
    const std::string out = storecheck(sfd,
                                       "read name write data/status ready read data/status read memory "
                                       "escape " +
                                           other_home + "/name escape " + other_home +
                                           "/data/secret "
                                           "write name evil write /tool/x y rm cmdline",
                                       &id);
    const std::string home = "/local/domain/" + std::to_string(id);
    EXPECT_TRUE(has(out, "store read name: ok \"guest-" + std::to_string(id) + "\"")) << out;
    EXPECT_TRUE(has(out, "store write data/status: ok")) << out;
    EXPECT_TRUE(has(out, "store read data/status: ok \"ready\"")) << out;
    EXPECT_TRUE(has(out, "store read memory: ok \"4194304\"")) << out;
    EXPECT_TRUE(has(out, "store read " + other_home + "/name: EACCES")) << out;
    EXPECT_TRUE(has(out, "store write " + other_home + "/name: EACCES")) << out;
    EXPECT_TRUE(has(out, "store read " + other_home + "/data/secret: EACCES")) << out;
    EXPECT_TRUE(has(out, "store write name: EACCES")) << out;
    EXPECT_TRUE(has(out, "store write /tool/x: EACCES")) << out;
    EXPECT_TRUE(has(out, "store rm cmdline: EACCES")) << out;
    EXPECT_TRUE(has(out, "storecheck: done")) << out;
    // What the guest wrote is there for the host; what it could not, is unchanged.
    EXPECT_EQ(trim(xs(sfd, "read", home + "/data/status")), "ready");
    EXPECT_EQ(trim(xs(sfd, "read", other_home + "/name")), "other");
    EXPECT_EQ(trim(xs(sfd, "read", other_home + "/data/secret")), "hidden");
    EXPECT_EQ(trim(xs(sfd, "read", home + "/cmdline")).find("read name"), 0u);
    int status = 0;
    xs(sfd, "exists", "/tool/x", &status);
    EXPECT_NE(status, 0);
}

// A guest writing keys without end is stopped by its quota; the store and
// other guests go on.
TEST(SfdStore, AGuestsQuotaStopsItFloodingTheStore) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--pool", "4"});
    uint64_t id = 0;
    const std::string out = storecheck(sfd, "flood 5000", &id);
    const size_t at = out.find("store flood: ");
    ASSERT_NE(at, std::string::npos) << out;
    const unsigned long written = std::stoul(out.substr(at + 13));
    EXPECT_TRUE(has(out, "written, then ENOSPC")) << out;
    EXPECT_GT(written, 100u);
    EXPECT_LT(written, 1000u) << "the quota (1,000 nodes a domain) stops it";
    const std::string keys = xs(sfd, "list", "/local/domain/" + std::to_string(id) + "/data");
    EXPECT_EQ(static_cast<unsigned long>(std::count(keys.begin(), keys.end(), '\n')), written);
    const std::string next = storecheck(sfd, "write data/x fine read data/x");
    EXPECT_TRUE(has(next, "store read data/x: ok \"fine\"")) << next;
    EXPECT_EQ(xs(sfd, "write", "/local/domain/0/data/host fine"), "");
}

// A guest watching its key is told when the host changes it.
TEST(SfdStore, AGuestSeesTheHostChangeAKeyItWatches) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--pool", "4"});
    const uint64_t id =
        create_ok(sfd, {{"image", guest_image("storecheck")}, {"cmdline", "watch data/knob 2"}});
    const std::string ref = "/v1/guests/" + std::to_string(id);
    for (int i = 0; i < 200 && !has(sfd.get(ref + "/logs").body, "store watch data/knob: ok"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(xs(sfd, "write", "/local/domain/" + std::to_string(id) + "/data/knob 42"), "");
    ASSERT_TRUE(wait_state(sfd, id, "exited"));
    const std::string out = sfd.get(ref + "/logs").body;
    EXPECT_TRUE(has(out, "store event data/knob")) << out;
    EXPECT_FALSE(has(out, "timeout")) << out;
}
