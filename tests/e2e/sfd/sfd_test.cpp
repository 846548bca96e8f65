// End-to-end: a real sfd with its workers, driven over its API.
#include "sfd_fixture.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using sf::test::guest_image;
using sf::test::Sfd;
using json = nlohmann::json;

namespace {

json idle(const std::string& name = "") {
    json fields = {{"image", guest_image("idle")}, {"wait", "output"}};
    if (!name.empty()) fields["name"] = name;
    return fields;
}

void sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

int count_lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST(Sfd, GuestLifecycle) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "2", "--pool", "4"});
    auto created = sfd.create(idle("web"));
    ASSERT_EQ(created.status, 201) << created.body;
    json guest = created.json();
    EXPECT_EQ(guest["name"], "web");
    EXPECT_EQ(guest["state"], "running");
    EXPECT_GT(guest["first_output_ms"].get<double>(), 0.0);
    const std::string id = std::to_string(guest["id"].get<int>());

    EXPECT_EQ(sfd.get("/v1/guests/" + id).json()["name"], "web"); // by id
    auto logs = sfd.get("/v1/guests/web/logs");
    EXPECT_EQ(logs.status, 200);
    EXPECT_NE(logs.body.find("idle: guest 'web' id " + id + " ready"), std::string::npos) << logs.body;

    EXPECT_EQ(sfd.post("/v1/guests/web/pause").json()["state"], "paused");
    EXPECT_EQ(sfd.post("/v1/guests/web/pause").status, 409);
    EXPECT_EQ(sfd.post("/v1/guests/web/resume").json()["state"], "running");
    EXPECT_EQ(sfd.post("/v1/guests/web/resume").status, 409);
    EXPECT_EQ(sfd.get("/v1/guests").json()["guests"].size(), 1u);

    EXPECT_EQ(sfd.del("/v1/guests/web").status, 200);
    EXPECT_EQ(sfd.get("/v1/guests/web").status, 404);
    EXPECT_EQ(sfd.del("/v1/guests/web").status, 404);
    EXPECT_EQ(sfd.post("/v1/guests/web/pause").status, 404);
    EXPECT_EQ(sfd.get("/v1/guests").json()["guests"].size(), 0u);
}

TEST(Sfd, ExitAndCrashAreReported) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    auto hello = sfd.create({{"image", guest_image("hello")}, {"name", "h"}, {"wait", "output"}});
    ASSERT_EQ(hello.status, 201) << hello.body;
    auto crash = sfd.create({{"image", guest_image("crash-badptr")}, {"name", "c"}, {"wait", "output"}});
    ASSERT_EQ(crash.status, 201) << crash.body;
    EXPECT_TRUE(sfd.wait_state("h", "exited"));
    EXPECT_TRUE(sfd.wait_state("c", "crashed"));
    json h = sfd.get("/v1/guests/h").json(), c = sfd.get("/v1/guests/c").json();
    EXPECT_EQ(h["state"], "exited");
    EXPECT_EQ(h["exit_status"], 0);
    EXPECT_EQ(c["state"], "crashed");
    EXPECT_NE(c["reason"].get<std::string>().find("outside the guest's memory"), std::string::npos) << c;
    EXPECT_EQ(sfd.post("/v1/guests/h/pause").status, 409);
    // A good guest runs after the bad one, in the same worker.
    EXPECT_EQ(sfd.create(idle()).status, 201);
}

TEST(Sfd, PauseStopsAGuestAndResumeContinuesIt) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    ASSERT_EQ(sfd.create({{"image", guest_image("ticker")}, {"name", "t"}, {"cmdline", "1000 20"}}).status,
              201);
    sleep_ms(200);
    ASSERT_EQ(sfd.post("/v1/guests/t/pause").status, 200);
    const int paused_at = count_lines(sfd.get("/v1/guests/t/logs").body);
    EXPECT_GE(paused_at, 3);
    sleep_ms(300);
    EXPECT_LE(count_lines(sfd.get("/v1/guests/t/logs").body), paused_at + 1); // one may be in flight
    ASSERT_EQ(sfd.post("/v1/guests/t/resume").status, 200);
    sleep_ms(200);
    EXPECT_GE(count_lines(sfd.get("/v1/guests/t/logs").body), paused_at + 4);
}

TEST(Sfd, SpinningGuestDoesNotStarveOthers) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--runners", "1"});
    ASSERT_EQ(sfd.create({{"image", guest_image("crash-spin")}, {"name", "spin"}}).status, 201);
    auto t0 = std::chrono::steady_clock::now();
    auto other = sfd.create(idle("other"));
    EXPECT_EQ(other.status, 201) << other.body;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_EQ(sfd.post("/v1/guests/spin/pause").status, 200);
    EXPECT_EQ(sfd.del("/v1/guests/spin").status, 200);
}

TEST(Sfd, KilledWorkerTakesOnlyItsGuestsDown) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "2", "--pool", "2"});
    std::vector<json> guests;
    for (int i = 0; i < 6; ++i) {
        auto r = sfd.create(idle("g" + std::to_string(i)));
        ASSERT_EQ(r.status, 201) << r.body;
        guests.push_back(r.json());
    }
    json host = sfd.get("/v1/host").json();
    const pid_t victim = host["workers"][0]["pid"].get<pid_t>();
    ASSERT_GT(victim, 0);
    ::kill(victim, SIGKILL);
    for (const json& g : guests) { // sfd learns of the death from the worker's socket
        if (g["worker"] == 0) {
            EXPECT_TRUE(sfd.wait_state(g["name"].get<std::string>(), "crashed")) << g;
        }
    }
    for (const json& g : guests) {
        json now = sfd.get("/v1/guests/" + g["name"].get<std::string>()).json();
        if (g["worker"] == 0) {
            EXPECT_EQ(now["state"], "crashed") << now;
            EXPECT_NE(now["reason"].get<std::string>().find("signal 9"), std::string::npos) << now;
        } else {
            EXPECT_EQ(now["state"], "running") << now;
        }
    }
    // sfd keeps serving, and the slot gets a fresh worker.
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(sfd.create(idle()).status, 201);
    for (int i = 0; i < 50 && sfd.worker_pids().size() < 2; ++i)
        sleep_ms(50);
    auto pids = sfd.worker_pids();
    EXPECT_EQ(pids.size(), 2u);
    EXPECT_EQ(std::count(pids.begin(), pids.end(), victim), 0);
    EXPECT_EQ(sfd.del("/v1/guests/g0").status, 200);
}

TEST(Sfd, SigtermStopsEveryWorker) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "3"});
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(sfd.create(idle()).status, 201);
    auto pids = sfd.worker_pids();
    ASSERT_EQ(pids.size(), 3u);
    EXPECT_EQ(sfd.stop(), 0);
    sleep_ms(100);
    for (pid_t pid : pids)
        EXPECT_NE(::kill(pid, 0), 0) << "worker " << pid << " outlived sfd";
}

TEST(Sfd, BadRequestsAreRefusedAndDisturbNothing) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    ASSERT_EQ(sfd.create(idle("keep")).status, 201);
    struct Case {
        std::string body;
        int status;
        std::string needle;
    } cases[] = {
        {"{not json", 400, ""},
        {"[]", 400, ""},
        {json{{"image", guest_image("idle")}, {"colour", "red"}}.dump(), 400, "colour"},
        {json{{"image", "/nonexistent/guest"}}.dump(), 400, "cannot open"},
        {json{{"image", "/etc/hostname"}}.dump(), 400, "not an ELF"},
        {json{{"image", "relative/path"}}.dump(), 400, "absolute"},
        {json{{"image", guest_image("idle")}, {"name", "keep"}}.dump(), 409, "exists"},
        {json{{"image", guest_image("idle")}, {"name", "a/b"}}.dump(), 400, "name"},
        {json{{"image", guest_image("idle")}, {"mem", "1M"}}.dump(), 400, "too small"},
        {json{{"image", guest_image("idle")}, {"mem", "64G"}}.dump(), 400, "too big"},
        {json{{"image", guest_image("idle")}, {"mem", "4097K"}}.dump(), 400, "4 KiB"},
    };
    for (const Case& c : cases) {
        auto r = sfd.post("/v1/guests", c.body);
        EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
        json body = r.json();
        ASSERT_TRUE(body.is_object() && body.contains("error")) << r.body;
        EXPECT_NE(body["error"].get<std::string>().find(c.needle), std::string::npos) << r.body;
    }
    EXPECT_EQ(sfd.get("/v1/guests/nosuch").status, 404);
    EXPECT_EQ(sfd.del("/v1/guests/12345").status, 404);
    json all = sfd.get("/v1/guests").json();
    ASSERT_EQ(all["guests"].size(), 1u);
    EXPECT_EQ(all["guests"][0]["state"], "running");
}

TEST(Sfd, FullHostAndMissingMemoryAreRefused) {
    SF_SFD_REQUIRE_KVM();
    {
        Sfd sfd({"--workers", "1", "--max-workers", "1", "--max-guests-per-worker", "2"});
        EXPECT_EQ(sfd.create(idle()).status, 201);
        EXPECT_EQ(sfd.create(idle()).status, 201);
        auto full = sfd.create(idle());
        EXPECT_EQ(full.status, 409);
        EXPECT_NE(full.body.find("host is full"), std::string::npos) << full.body;
    }
    Sfd sfd({"--workers", "1", "--mem-reserve", "100000000"});
    auto r = sfd.create(idle());
    EXPECT_EQ(r.status, 409);
    EXPECT_NE(r.body.find("not enough host memory"), std::string::npos) << r.body;
}

// Admission counts the memory live guests are committed to, not what is free
// now: with a budget of 10.5 MiB ((MemTotal - the 256 MiB reserve) x a tiny
// --overcommit), two 4 MiB guests pass, a third is refused with the numbers,
// a 2 MiB one still fits, and a destroyed guest gives its share back.
TEST(Sfd, CreatesPastTheCommittedMemoryBudgetAreRefused) {
    SF_SFD_REQUIRE_KVM();
    constexpr uint64_t MiB = 1ull << 20;
    Sfd sfd({"--workers", "1", "--overcommit", sf::test::overcommit_for(10 * MiB + MiB / 2)});
    json host = sfd.get("/v1/host").json();
    EXPECT_NEAR(host["mem_commit_limit"].get<double>(), static_cast<double>(10 * MiB + MiB / 2), 1024.0);
    auto sized = [](const std::string& name, const std::string& mem) {
        json fields = idle(name);
        fields["mem"] = mem;
        return fields;
    };
    ASSERT_EQ(sfd.create(sized("a", "4M")).status, 201);
    ASSERT_EQ(sfd.create(sized("b", "4M")).status, 201);
    auto refused = sfd.create(sized("c", "4M"));
    EXPECT_EQ(refused.status, 409);
    EXPECT_NE(
        refused.body.find("not enough host memory for 4.0 MiB more: live guests have 8.0 MiB of the 10.5 MiB "
                          "committable"),
        std::string::npos)
        << refused.body;
    EXPECT_NE(refused.body.find("overcommit"), std::string::npos) << refused.body;
    EXPECT_EQ(sfd.get("/v1/host").json()["mem_committed"], 8 * MiB);
    EXPECT_EQ(sfd.create(sized("d", "2M")).status, 201) << "a smaller guest still fits";
    ASSERT_EQ(sfd.del("/v1/guests/a").status, 200);
    EXPECT_EQ(sfd.create(sized("c", "4M")).status, 201) << "a destroyed guest's memory is free again";
    EXPECT_EQ(sfd.get("/v1/host").json()["mem_committed"], 10 * MiB);
}

TEST(Sfd, ConsoleFollowStreamsUntilTheGuestEnds) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    ASSERT_EQ(sfd.create({{"image", guest_image("ticker")}, {"name", "t"}, {"cmdline", "5 50"}}).status, 201);
    auto t0 = std::chrono::steady_clock::now();
    auto r = sfd.get("/v1/guests/t/console");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(count_lines(r.body), 5) << r.body;
    EXPECT_NE(r.body.find("tick 5/5"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(Sfd, ThousandCreateDestroyCyclesLeaveNoTrace) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "2", "--pool", "4"});
    auto warm = [&](int n) {
        for (int i = 0; i < n; ++i) {
            auto r = sfd.create(idle("c"));
            ASSERT_EQ(r.status, 201) << r.body;
            ASSERT_EQ(sfd.del("/v1/guests/c").status, 200);
        }
    };
    // Every worker's shell pool full again (its refill thread idle), so no shell is half made when counting.
    auto pools_full = [&] {
        for (int tries = 0; tries < 400; ++tries) {
            const json workers = sfd.get("/v1/host").json().value("workers", json::array());
            bool full = !workers.empty();
            for (const json& w : workers) {
                const json pool = w.value("pool", json::object());
                full = full && pool.value("ready", -1) == pool.value("target", -2);
            }
            if (full) return true;
            sleep_ms(25);
        }
        return false;
    };
    // A process's descriptor count once it has not changed for 300 ms (a guest's
    // teardown and a pool refill finish on their own threads a moment later).
    auto settled_fds = [](pid_t p) {
        int last = sf::test::count_fds(p), same = 0;
        for (int tries = 0; tries < 100 && same < 6; ++tries) {
            sleep_ms(50);
            const int now = sf::test::count_fds(p);
            same = now == last ? same + 1 : 0;
            last = now;
        }
        return last;
    };
    warm(50);
    ASSERT_TRUE(pools_full());
    auto pids = sfd.worker_pids();
    ASSERT_EQ(pids.size(), 2u);
    std::vector<int> fds;
    std::vector<long> rss;
    for (pid_t p : {sfd.pid(), pids[0], pids[1]})
        fds.push_back(settled_fds(p)), rss.push_back(sf::test::rss_kib(p));
    warm(1000);
    ASSERT_TRUE(pools_full());
    int i = 0;
    for (pid_t p : {sfd.pid(), pids[0], pids[1]}) {
        EXPECT_EQ(settled_fds(p), fds[static_cast<size_t>(i)]) << "pid " << p;
        EXPECT_LT(sf::test::rss_kib(p), rss[static_cast<size_t>(i)] + 8 * 1024) << "pid " << p << " grew";
        ++i;
    }
}

TEST(Sfd, StormOfAThousandIdleGuests) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "2", "--pool", "16"});
    for (int i = 0; i < 1000; ++i) {
        auto r = sfd.create(idle());
        ASSERT_EQ(r.status, 201) << "guest " << i << ": " << r.body;
    }
    json host = sfd.get("/v1/host").json();
    EXPECT_EQ(host["guests"], 1000);
    EXPECT_EQ(host["states"]["running"], 1000);
    // Idle guests cost no CPU: the workers' CPU time barely moves over a second.
    auto pids = sfd.worker_pids();
    long before = 0, after = 0;
    for (pid_t p : pids)
        before += sf::test::cpu_ticks(p);
    sleep_ms(1000);
    for (pid_t p : pids)
        after += sf::test::cpu_ticks(p);
    EXPECT_LE(after - before, 10) << "idle workers used " << (after - before) << " ticks in 1 s";
    EXPECT_EQ(sfd.stop(), 0);
}

TEST(Sfd, ConsoleLogFiles) {
    SF_SFD_REQUIRE_KVM();
    char pattern[] = "/tmp/sf-logs-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    {
        Sfd sfd({"--workers", "1", "--log-dir", dir});
        ASSERT_EQ(
            sfd.create({{"image", guest_image("ticker")}, {"name", "logged"}, {"cmdline", "3 10"}}).status,
            201);
        sleep_ms(300);
    }
    std::ifstream in(dir + "/logged.log");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(count_lines(text), 3) << text;
    EXPECT_NE(text.find("tick 3/3"), std::string::npos) << text;
    std::filesystem::remove_all(dir);
}

// --log-max-bytes: a guest's log file never grows past it; past it NAME.log
// becomes NAME.log.1 and starts again, the two together the newest output.
TEST(Sfd, ConsoleLogFilesAreCapped) {
    SF_SFD_REQUIRE_KVM();
    char pattern[] = "/tmp/sf-logs-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    {
        Sfd sfd({"--workers", "1", "--log-dir", dir, "--log-max-bytes", "4096"});
        // 400 lines "tick N/400 at T ms" of 20-25 bytes: about 9 KiB, two rotations.
        ASSERT_EQ(
            sfd.create({{"image", guest_image("ticker")}, {"name", "chatty"}, {"cmdline", "400 1"}}).status,
            201);
        ASSERT_TRUE(sfd.wait_state("chatty", "exited", std::chrono::seconds(20)));
    }
    auto read = [](const std::string& path) {
        std::ifstream in(path);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    const std::string newest = read(dir + "/chatty.log"), older = read(dir + "/chatty.log.1");
    EXPECT_LE(newest.size(), 4096u);
    EXPECT_EQ(older.size(), 4096u);
    EXPECT_FALSE(std::filesystem::exists(dir + "/chatty.log.2"));
    const std::string tail = older + newest;
    EXPECT_NE(tail.find("tick 400/400"), std::string::npos) << newest;
    EXPECT_EQ(tail.find("tick 1/400 "), std::string::npos) << "the oldest output is gone";
    EXPECT_EQ(tail.back(), '\n');
    std::filesystem::remove_all(dir);
}

TEST(Sfd, AddsWorkersAsGuestsCome) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1", "--max-workers", "3", "--guests-per-worker", "4", "--pool", "2"});
    for (int i = 0; i < 16; ++i) {
        ASSERT_EQ(sfd.create(idle()).status, 201);
        sleep_ms(20); // a new worker takes a few milliseconds to start
    }
    json host = sfd.get("/v1/host").json();
    ASSERT_EQ(host["workers"].size(), 3u) << host;
    size_t most = 0;
    for (const json& w : host["workers"]) {
        EXPECT_TRUE(w["alive"].get<bool>());
        most = std::max(most, w["guests"].get<size_t>());
    }
    EXPECT_LE(most, 8u) << host; // spread, not piled on the first worker
}

TEST(Sfd, PausingAWaitingGuestKeepsItsDeadline) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    // One tick after 600 ms; pause and resume while it waits: the tick must not come early.
    ASSERT_EQ(sfd.create({{"image", guest_image("ticker")}, {"name", "t"}, {"cmdline", "1 600"}}).status,
              201);
    sleep_ms(100);
    ASSERT_EQ(sfd.post("/v1/guests/t/pause").status, 200);
    ASSERT_EQ(sfd.post("/v1/guests/t/resume").status, 200);
    sleep_ms(200);
    EXPECT_EQ(count_lines(sfd.get("/v1/guests/t/logs").body), 0) << "the poll returned before its deadline";
    sleep_ms(600);
    EXPECT_EQ(count_lines(sfd.get("/v1/guests/t/logs").body), 1);
}

// sfd says which backend runs its guests: the one asked for ($SF_BACKEND,
// which ctest sets per run), in /v1/host with a description of its isolation.
TEST(Sfd, HostInfoNamesTheBackend) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd;
    const json host = sfd.get("/v1/host").json();
    const char* asked = std::getenv("SF_BACKEND");
    const std::string backend = host.value("backend", "");
    EXPECT_TRUE(backend == "kvm" || backend == "process") << host.dump();
    if (asked != nullptr && std::string(asked) != "auto") {
        EXPECT_EQ(backend, asked);
    }
    EXPECT_NE(host.value("backend_description", "").find(backend), std::string::npos) << host.dump();
}

// Where no backend works, sfd exits at once with one line naming both reasons.
TEST(Sfd, NoUsableBackendIsOneLineAndExitOne) {
    const std::string dir = std::filesystem::temp_directory_path() / "sf-no-backend";
    int status = 0;
    const std::string out = sf::test::run_command(std::string(SF_BIN_DIR) + "/sfd --socket " + dir +
                                                      ".sock --backend auto --kvm /nonexistent/kvm --sandbox "
                                                      "/nonexistent/sf-sandbox 2>&1",
                                                  &status);
    EXPECT_EQ(status, 1) << out;
    EXPECT_EQ(count_lines(out), 1) << out;
    EXPECT_NE(out.find("sfd: no backend can run guests here: /nonexistent/kvm"), std::string::npos) << out;
    EXPECT_NE(out.find("/nonexistent/sf-sandbox"), std::string::npos) << out;
    // Asked for one kind, only its reason.
    const std::string kvm = sf::test::run_command(std::string(SF_BIN_DIR) + "/sfd --socket " + dir +
                                                      ".sock --backend kvm --kvm /nonexistent/kvm 2>&1",
                                                  &status);
    EXPECT_EQ(status, 1) << kvm;
    EXPECT_EQ(count_lines(kvm), 1) << kvm;
    EXPECT_NE(kvm.find("/nonexistent/kvm: no such device"), std::string::npos) << kvm;
}
