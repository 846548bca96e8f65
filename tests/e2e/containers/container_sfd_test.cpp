// superfluid container tests: a real sfd with containers run by a real OCI
// runtime (crun; runc once), on build/rootfs (test_rootfs.h): the
// lifecycle and consoles, exit statuses, a signal, an OOM kill, destroy of
// a container that forked (nothing left: processes, cgroups, bundle,
// runtime state), bad requests (one clear 4xx, nothing left), 200
// create/destroy cycles (no descriptor, mount or cgroup leaked), sfd
// SIGKILLed and restarted on its lmdb store (the container and its console
// adopted), sfctl --kind container end to end.
#include "sfd_fixture.h"
#include "test_rootfs.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace sf::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::vector<std::string> kControllers = {"memory", "pids", "freezer", "cpu", "devices", "blkio"};

// sfd with containers: the cgroups prepared as crun needs them, said in its log.
std::vector<std::string> container_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--prepare-cgroups", "--workers", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

class ContainerSfd : public ::testing::Test {
  protected:
    json container(const std::vector<std::string>& args, json extra = json::object()) {
        json body = {{"kind", "container"}, {"rootfs", rootfs_.path()}, {"args", args}};
        body.update(extra);
        return body;
    }
    // Creates a container and returns its id (the create's status must be 201).
    uint64_t create(Sfd& sfd, const std::vector<std::string>& args, json extra = json::object()) {
        HttpResult r = sfd.create(container(args, extra));
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().value("id", uint64_t{0});
    }
    json containers(Sfd& sfd) { return sfd.get("/v1/host").json()["containers"]; }
    // The cgroup directories of this sfd's containers, in every controller.
    std::vector<std::string> cgroups(Sfd& sfd) {
        const std::string prefix = containers(sfd).value("cgroup_prefix", "/none/");
        const fs::path parent = fs::path(prefix).parent_path();
        const std::string stem = fs::path(prefix).filename().string();
        std::vector<std::string> found;
        for (const std::string& controller : kControllers) {
            std::error_code ec;
            for (auto it = fs::directory_iterator(
                     fs::path("/sys/fs/cgroup") / controller / parent.relative_path(), ec);
                 !ec && it != fs::directory_iterator(); it.increment(ec))
                if (it->path().filename().string().starts_with(stem)) found.push_back(it->path());
        }
        return found;
    }
    std::string cgroup(Sfd& sfd, const std::string& controller, uint64_t id) {
        return "/sys/fs/cgroup/" + controller + containers(sfd).value("cgroup_prefix", "") +
               std::to_string(id);
    }
    std::string state_dir(Sfd& sfd) { return containers(sfd).value("state_dir", ""); }
    size_t entries(const std::string& dir) {
        std::error_code ec;
        size_t n = 0;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
             it.increment(ec))
            ++n;
        return n;
    }
    // Nothing of any container is left: no record, cgroup, bundle or runtime state.
    void expect_nothing_left(Sfd& sfd) {
        EXPECT_EQ(sfd.get("/v1/guests").json()["guests"].size(), 0u);
        EXPECT_EQ(cgroups(sfd), std::vector<std::string>{});
        EXPECT_EQ(entries(state_dir(sfd) + "/bundles"), 0u);
        EXPECT_EQ(entries(state_dir(sfd) + "/runtime"), 0u);
    }
    std::string logs(Sfd& sfd, uint64_t id) {
        return sfd.get("/v1/guests/" + std::to_string(id) + "/logs").body;
    }
    pid_t init_pid(Sfd& sfd, uint64_t id) {
        pid_t pid = -1;
        std::ifstream(state_dir(sfd) + "/bundles/" + std::to_string(id) + "/init.pid") >> pid;
        return pid;
    }

    TestRootfs rootfs_;
};

std::string read_file(const std::string& path);

// The bounds of the waits below are far above what a quiet machine needs:
// they only matter when the condition never comes, and under `ctest -j`
// with crun and builds beside it a freezer or a reaper can take seconds.
constexpr auto kPatience = std::chrono::seconds(10);

// `path`'s content once it is `want`, or as it is after kPatience.
std::string file_becomes(const std::string& path, const std::string& want) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    std::string now = read_file(path);
    while (now != want && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        now = read_file(path);
    }
    return now;
}

bool alive(pid_t pid) {
    return ::kill(pid, 0) == 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(ContainerSfd, LifecycleConsolePauseResumeDestroy) {
    char pattern[] = "/tmp/sf-ctr-snapshots-XXXXXX";
    const std::string snapshots = ::mkdtemp(pattern);
    Sfd sfd(container_args({"--snapshot-dir", snapshots}));
    HttpResult r = sfd.create(container({"/bin/sh", "-c", "echo hello from a container; sleep 1000"},
                                        {{"wait", "output"}, {"name", "web"}}));
    ASSERT_EQ(r.status, 201) << r.body;
    const json guest = r.json();
    EXPECT_EQ(guest["kind"], "container");
    EXPECT_EQ(guest["state"], "running");
    EXPECT_EQ(guest["image"], rootfs_.path());
    EXPECT_EQ(guest["mem"], 64u << 20);
    EXPECT_TRUE(guest["first_output_ms"].is_number()) << guest.dump();
    const uint64_t id = guest["id"];
    EXPECT_EQ(logs(sfd, id), "hello from a container\n");
    EXPECT_EQ(sfd.get("/v1/guests").json()["guests"][0]["kind"], "container");
    EXPECT_EQ(sfd.get("/v1/guests/web").json()["console_bytes"], 23);
    // Root inside is not root outside: its init runs as the mapped host uid.
    const pid_t init = init_pid(sfd, id);
    ASSERT_GT(init, 0);
    EXPECT_NE(read_file("/proc/" + std::to_string(init) + "/status").find("Uid:\t200000"), std::string::npos);
    EXPECT_NE(read_file("/proc/" + std::to_string(init) + "/status").find("NoNewPrivs:\t1"),
              std::string::npos);
    EXPECT_NE(read_file("/proc/" + std::to_string(init) + "/status").find("Seccomp:\t2"), std::string::npos);

    EXPECT_EQ(sfd.post("/v1/guests/web/pause").json()["state"], "paused");
    // The v1 freezer reads FREEZING until every task has stopped (crun may
    // return before): frozen within a second.
    EXPECT_EQ(file_becomes(cgroup(sfd, "freezer", id) + "/freezer.state", "FROZEN\n"), "FROZEN\n");
    EXPECT_EQ(sfd.post("/v1/guests/web/resume").json()["state"], "running");
    EXPECT_EQ(read_file(cgroup(sfd, "freezer", id) + "/freezer.state"), "THAWED\n");
    EXPECT_EQ(read_file(cgroup(sfd, "memory", id) + "/memory.limit_in_bytes"),
              std::to_string(64u << 20) + "\n");
    EXPECT_EQ(read_file(cgroup(sfd, "pids", id) + "/pids.max"), "64\n");

    // Snapshots and migration are VMs' only: one clear 409.
    HttpResult save = sfd.post("/v1/guests/web/save", R"({"file": "web.snap"})");
    EXPECT_EQ(save.status / 100, 4) << save.body;
    EXPECT_NE(save.body.find("only a VM"), std::string::npos) << save.body;

    EXPECT_EQ(sfd.del("/v1/guests/web").status, 200);
    EXPECT_FALSE(alive(init));
    expect_nothing_left(sfd);
    EXPECT_EQ(entries(snapshots), 0u);
    fs::remove_all(snapshots);
}

// The store record says the kind, within the 17 entries (kind in place of a VM's data/), read with
// xenstore-utils.
TEST_F(ContainerSfd, TheStoreRecordSaysTheKindWithinSeventeenEntries) {
    Sfd sfd(container_args());
    const uint64_t id = create(sfd, {"/bin/sh", "-c", "exit 3"}, {{"name", "rec"}});
    ASSERT_TRUE(sfd.wait_state("rec", "exited"));
    const std::string home = "/local/domain/" + std::to_string(id);
    auto xs = [&](const std::string& tool, const std::string& args) {
        return run_command("XENSTORED_PATH=" + sfd.store_socket() + " xenstore-" + tool + " " + args +
                           " 2>&1");
    };
    EXPECT_EQ(xs("read", home + "/kind"), "container\n");
    EXPECT_EQ(xs("read", home + "/image"), rootfs_.path() + "\n");
    EXPECT_EQ(xs("read", home + "/cmdline"), "/bin/sh -c exit 3\n");
    EXPECT_EQ(xs("read", home + "/exit-status"), "3\n");
    const std::string listing = xs("ls", "-f " + home);
    EXPECT_EQ(listing.find(home + "/data"), std::string::npos) << listing;
    const size_t entries = 1 + static_cast<size_t>(std::count(listing.begin(), listing.end(), '\n'));
    EXPECT_LE(entries, 17u) << listing;
    EXPECT_GE(entries, 12u) << listing; // no NIC, ended: 12 of the 17
    EXPECT_EQ(sfd.del("/v1/guests/rec").status, 200);
}

TEST_F(ContainerSfd, ExitStatusAndAStoppedCreateStartedLater) {
    Sfd sfd(container_args());
    const uint64_t id = create(sfd, {"/bin/sh", "-c", "echo bye; exit 7"});
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "exited"));
    const json info = sfd.get("/v1/guests/" + std::to_string(id)).json();
    EXPECT_EQ(info["exit_status"], 7);
    EXPECT_EQ(logs(sfd, id), "bye\n");
    EXPECT_EQ(cgroups(sfd), std::vector<std::string>{}) << "deleted when it ended";

    const uint64_t later = create(sfd, {"/bin/echo", "started"}, {{"start", false}});
    EXPECT_EQ(sfd.get("/v1/guests/" + std::to_string(later)).json()["state"], "created");
    EXPECT_EQ(logs(sfd, later), "");
    EXPECT_EQ(sfd.post("/v1/guests/" + std::to_string(later) + "/start").status, 200);
    ASSERT_TRUE(sfd.wait_state(std::to_string(later), "exited"));
    EXPECT_EQ(logs(sfd, later), "started\n");
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(later)).status, 200);
    expect_nothing_left(sfd);
}

// sfd --log-dir: a container's output also goes to DIR/NAME.log, capped and rotated as a VM's.
TEST_F(ContainerSfd, WithALogDirItsOutputAlsoGoesToNameDotLog) {
    char pattern[] = "/tmp/sf-ctr-logs-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    Sfd sfd(container_args({"--log-dir", dir, "--log-max-bytes", "4096"}));
    const uint64_t id = create(sfd, {"/bin/sh", "-c", "echo one; echo two"}, {{"name", "logged"}});
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "exited"));
    EXPECT_EQ(read_file(dir + "/logged.log"), "one\ntwo\n");
    EXPECT_EQ(logs(sfd, id), "one\ntwo\n");
    // 300 lines of 17 bytes: past the 4096-byte cap, so NAME.log.1 then NAME.log hold the newest output.
    const uint64_t chatty = create(
        sfd, {"/bin/sh", "-c", "i=100; while [ $i -lt 400 ]; do echo line-$i-xxxxxxx; i=$((i+1)); done"},
        {{"name", "chatty"}});
    ASSERT_TRUE(sfd.wait_state(std::to_string(chatty), "exited"));
    const std::string older = read_file(dir + "/chatty.log.1"), newest = read_file(dir + "/chatty.log");
    EXPECT_LE(older.size(), 4096u);
    EXPECT_LE(newest.size(), 4096u);
    EXPECT_TRUE((older + newest).ends_with("line-399-xxxxxxx\n")) << newest;
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(chatty)).status, 200);
    expect_nothing_left(sfd);
    fs::remove_all(dir);
}

TEST_F(ContainerSfd, AContainerKilledByASignalIsReportedCrashedWithTheSignal) {
    Sfd sfd(container_args());
    const uint64_t id = create(sfd, {"/bin/sleep", "1000"});
    const pid_t init = init_pid(sfd, id);
    ASSERT_GT(init, 0);
    ASSERT_EQ(::kill(init, SIGKILL), 0);
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "crashed"));
    EXPECT_EQ(sfd.get("/v1/guests/" + std::to_string(id)).json()["reason"], "killed by signal 9 (SIGKILL)");
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    expect_nothing_left(sfd);
}

TEST_F(ContainerSfd, DestroyOfAContainerThatForkedLeavesNoProcess) {
    Sfd sfd(container_args());
    HttpResult r = sfd.create(
        container({"/bin/sh", "-c", "sleep 1000 & sleep 1000 & echo forked; wait"}, {{"wait", "output"}}));
    ASSERT_EQ(r.status, 201) << r.body;
    const uint64_t id = r.json()["id"];
    std::vector<pid_t> pids;
    std::ifstream procs(cgroup(sfd, "pids", id) + "/cgroup.procs");
    for (pid_t pid; procs >> pid;)
        pids.push_back(pid);
    ASSERT_GE(pids.size(), 3u) << "sh and its two sleeps";
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    for (pid_t pid : pids)
        EXPECT_FALSE(alive(pid)) << pid;
    expect_nothing_left(sfd);
}

TEST_F(ContainerSfd, AnOomKillAtTheMemoryLimitIsReportedAsSuch) {
    Sfd sfd(container_args());
    const uint64_t id =
        create(sfd, {"/bin/sh", "-c", "echo growing; a=x; while true; do a=$a$a; done"}, {{"mem", "16M"}});
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "crashed", 20s));
    const std::string reason = sfd.get("/v1/guests/" + std::to_string(id)).json()["reason"];
    EXPECT_NE(reason.find("out of memory"), std::string::npos) << reason;
    EXPECT_EQ(logs(sfd, id), "growing\n");
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    expect_nothing_left(sfd);
}

// Four pids: sh and three sleeps; the fourth fork fails, which ends busybox's sh.
TEST_F(ContainerSfd, ThePidLimitHolds) {
    Sfd sfd(container_args());
    const uint64_t id = create(
        sfd, {"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1000 & done; echo all forked; sleep 1000"},
        {{"pids", 4}});
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "exited"));
    const std::string console = logs(sfd, id);
    EXPECT_NE(console.find("can't fork"), std::string::npos) << console;
    EXPECT_EQ(console.find("all forked"), std::string::npos) << console;
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    expect_nothing_left(sfd);
}

TEST_F(ContainerSfd, BadRequestsAreOneClear4xxAndLeaveNothing) {
    Sfd sfd(container_args());
    char pattern[] = "/tmp/sf-ctr-emptybundle-XXXXXX";
    const std::string empty_bundle = ::mkdtemp(pattern);
    struct Case {
        json body;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{{"kind", "container"}, {"bundle", empty_bundle}}, "bundle: no " + empty_bundle + "/config.json"},
        {{{"kind", "container"}, {"rootfs", rootfs_.path() + "/missing"}}, "is not a directory"},
        {container({"/bin/nosuchprogram"}), "no program /bin/nosuchprogram in the rootfs"},
        {container({TestRootfs::kNotAProgram}), "the OCI runtime cannot create it"},
        {container({"/bin/sh"}, {{"mem", "1M"}}), "mem: a container needs at least"},
        {{{"kind", "container"}, {"rootfs", rootfs_.path()}, {"image", "/x"}}, "image: not for a container"},
    };
    for (const Case& c : cases) {
        HttpResult r = sfd.create(c.body);
        EXPECT_EQ(r.status, 400) << c.body.dump() << " -> " << r.body;
        const std::string message = r.json().value("error", "");
        EXPECT_NE(message.find(c.says), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        expect_nothing_left(sfd);
    }
    fs::remove_all(empty_bundle);
}

TEST_F(ContainerSfd, ABundleIsRunWithSfdsLimits) {
    Sfd sfd(container_args());
    char pattern[] = "/tmp/sf-ctr-bundle-XXXXXX";
    const std::string bundle = ::mkdtemp(pattern);
    fs::create_symlink(rootfs_.path(), bundle + "/rootfs");
    // The config sfd would write for a rootfs, but terminal on, other args and a small pid limit: sfd's win.
    // /dev is a tmpfs: without one the runtime makes its device nodes in the shared rootfs's /dev.
    std::ofstream(bundle + "/config.json")
        << R"({"ociVersion": "1.0.2", "process": {"terminal": true, "user": {"uid": 0, "gid": 0},
              "args": ["/bin/echo", "from a bundle"], "env": ["PATH=/bin"], "cwd": "/"},
              "root": {"path": "rootfs", "readonly": true},
              "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                         {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
              "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}],
                        "resources": {"pids": {"limit": 2}}}})";
    HttpResult r = sfd.create({{"kind", "container"}, {"bundle", bundle}, {"pids", 50}});
    ASSERT_EQ(r.status, 201) << r.body;
    const uint64_t id = r.json()["id"];
    EXPECT_EQ(r.json()["image"], bundle);
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "exited"));
    EXPECT_EQ(logs(sfd, id), "from a bundle\n");
    const json written =
        json::parse(read_file(state_dir(sfd) + "/bundles/" + std::to_string(id) + "/config.json"));
    EXPECT_EQ(written["linux"]["resources"]["pids"]["limit"], 50);
    EXPECT_EQ(written["process"]["terminal"], false);
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    expect_nothing_left(sfd);
    fs::remove_all(bundle);
}

// Mounts of the host's namespace that name `text` (this test's rootfs or sfd's directory): other tests and
// programs on the machine mount and unmount meanwhile.
int mount_count(const std::string& text) {
    std::ifstream in("/proc/self/mountinfo");
    int n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.find(text) != std::string::npos;
    return n;
}

// Whether process `pid`'s descriptors come down to `most` within kPatience.
bool settles_at_most(pid_t pid, int most) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (count_fds(pid) > most) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

TEST_F(ContainerSfd, TwoHundredCreateDestroyCyclesLeakNothing) {
    Sfd sfd(container_args());
    auto cycle = [&] {
        const uint64_t id = create(sfd, {"/bin/sh", "-c", "echo up; sleep 1000"}, {{"wait", "output"}});
        ASSERT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    };
    for (int i = 0; i < 5; ++i) // warm: the monitor, the API's threads
        cycle();
    const pid_t monitor = containers(sfd).value("monitor_pid", 0);
    ASSERT_GT(monitor, 0);
    const int sfd_fds = count_fds(sfd.pid()), monitor_fds = count_fds(monitor);
    const int mounts = mount_count(rootfs_.path()) + mount_count(sfd.dir());
    for (int i = 0; i < 200 && !HasFatalFailure(); ++i)
        cycle();
    // sfd's count moves by one with work in flight (an API connection its
    // thread has not closed yet), either way: a leak is a count that stays
    // above the starting one (200 cycles would leave 200 more).
    EXPECT_TRUE(settles_at_most(sfd.pid(), sfd_fds)) << count_fds(sfd.pid()) << " > " << sfd_fds;
    EXPECT_EQ(count_fds(monitor), monitor_fds);
    EXPECT_EQ(mount_count(rootfs_.path()) + mount_count(sfd.dir()), mounts);
    expect_nothing_left(sfd);
}

TEST_F(ContainerSfd, ARestartedSfdAdoptsARunningContainerAndItsConsole) {
    char pattern[] = "/tmp/sf-ctr-restart-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    const std::vector<std::string> args = container_args({"--store", "lmdb", "--store-data", dir + "/store"});
    auto sfd = std::make_unique<Sfd>(args, dir);
    const uint64_t id =
        create(*sfd, {"/bin/sh", "-c", "echo before; while true; do echo tick; sleep 0.1; done"},
               {{"wait", "output"}, {"name", "ticker"}});
    const pid_t init = init_pid(*sfd, id);
    sfd->kill_hard();
    ASSERT_TRUE(alive(init)) << "the container outlives sfd";
    sfd = std::make_unique<Sfd>(args, dir);
    const json info = sfd->get("/v1/guests/ticker").json();
    EXPECT_EQ(info["kind"], "container");
    EXPECT_EQ(info["state"], "running");
    EXPECT_EQ(info["id"], id);
    const std::string console = logs(*sfd, id);
    EXPECT_TRUE(console.starts_with("before\ntick\n")) << console;
    // Its console goes on in the same ring.
    const uint64_t bytes = info["console_bytes"];
    for (int i = 0; i < 500 && sfd->get("/v1/guests/ticker").json()["console_bytes"] <= bytes; ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_GT(sfd->get("/v1/guests/ticker").json()["console_bytes"], bytes);
    EXPECT_EQ(sfd->post("/v1/guests/ticker/pause").status, 200);
    EXPECT_EQ(sfd->del("/v1/guests/ticker").status, 200);
    EXPECT_FALSE(alive(init));
    expect_nothing_left(*sfd);
    sfd.reset();
    fs::remove_all(dir);
}

// GET /v1/guests/ID/console: the ring, then each new line as the container writes it.
TEST_F(ContainerSfd, AConsoleFollowerGetsTheRingThenNewOutput) {
    Sfd sfd(container_args());
    const uint64_t id =
        create(sfd, {"/bin/sh", "-c", "echo first; while true; do echo tick; sleep 0.05; done"},
               {{"wait", "output"}});
    httplib::Client client(sfd.socket(), 80);
    client.set_address_family(AF_UNIX);
    std::string seen;
    client.Get("/v1/guests/" + std::to_string(id) + "/console", [&](const char* data, size_t n) {
        seen.append(data, n);
        return seen.find("tick\ntick\ntick\n") == std::string::npos; // until three ticks came
    });
    EXPECT_TRUE(seen.starts_with("first\n")) << seen;
    EXPECT_NE(seen.find("tick\ntick\ntick\n"), std::string::npos) << seen;
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    expect_nothing_left(sfd);
}

// The monitor killed: its containers are recorded as crashed, and deleted (none runs on unseen); the next
// container starts a new monitor.
TEST_F(ContainerSfd, AMonitorThatDiesTakesItsContainersWithIt) {
    Sfd sfd(container_args());
    const uint64_t id = create(sfd, {"/bin/sleep", "1000"});
    const pid_t init = init_pid(sfd, id);
    const pid_t monitor = containers(sfd).value("monitor_pid", 0);
    ASSERT_GT(monitor, 0);
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    ASSERT_TRUE(sfd.wait_state(std::to_string(id), "crashed"));
    const std::string reason = sfd.get("/v1/guests/" + std::to_string(id)).json()["reason"];
    EXPECT_NE(reason.find("its container monitor"), std::string::npos) << reason;
    for (int i = 0; i < 500 && alive(init); ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(alive(init));
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    EXPECT_EQ(cgroups(sfd), std::vector<std::string>{});
    const uint64_t next = create(sfd, {"/bin/echo", "again"}, {{"wait", "output"}});
    EXPECT_EQ(logs(sfd, next), "again\n");
    EXPECT_NE(containers(sfd).value("monitor_pid", 0), monitor);
}

TEST_F(ContainerSfd, RuncRunsThemToo) {
    Sfd sfd(container_args({"--oci-runtime", "runc"}));
    EXPECT_EQ(containers(sfd)["runtime"], "runc");
    const uint64_t id = create(sfd, {"/bin/sh", "-c", "echo runc here; sleep 1000"}, {{"wait", "output"}});
    EXPECT_EQ(logs(sfd, id), "runc here\n");
    EXPECT_EQ(sfd.post("/v1/guests/" + std::to_string(id) + "/pause").status, 200);
    EXPECT_EQ(sfd.post("/v1/guests/" + std::to_string(id) + "/resume").status, 200);
    const pid_t init = init_pid(sfd, id);
    EXPECT_EQ(sfd.del("/v1/guests/" + std::to_string(id)).status, 200);
    EXPECT_FALSE(alive(init));
    expect_nothing_left(sfd);
}

TEST_F(ContainerSfd, SfctlCreatesListsAndShowsContainers) {
    Sfd sfd(container_args());
    const std::string sfctl = std::string(SF_BIN_DIR) + "/sfctl --socket " + sfd.socket();
    int status = -1;
    const std::string id = run_command(sfctl + " create --kind container --rootfs " + rootfs_.path() +
                                           " --name hi --wait -- /bin/sh -c 'echo hi from sfctl'",
                                       &status);
    ASSERT_EQ(status, 0) << id;
    EXPECT_EQ(id, "1\n");
    ASSERT_TRUE(sfd.wait_state("hi", "exited"));
    EXPECT_EQ(run_command(sfctl + " logs hi"), "hi from sfctl\n");
    const std::string list = run_command(sfctl + " list");
    EXPECT_NE(list.find("KIND"), std::string::npos) << list;
    EXPECT_NE(list.find("hi    container  exited(0)"), std::string::npos) << list;
    EXPECT_NE(run_command(sfctl + " info hi").find("kind:            container"), std::string::npos);
    const std::string refused = run_command(sfctl + " create --kind container -- /bin/sh 2>&1", &status);
    EXPECT_EQ(status, 2);
    EXPECT_EQ(refused, "sfctl create: a container needs exactly one of --bundle DIR and --rootfs DIR\n");
    EXPECT_EQ(run_command(sfctl + " destroy hi", &status), "");
    EXPECT_EQ(status, 0);
}

} // namespace
} // namespace sf::test
