// The rootfs run by a real OCI runtime: `crun run` of a bundle over
// build/rootfs, its config.json made from `crun spec --rootless` with a user
// namespace (root inside is uid 200000 outside), no terminal, and a command of
// our own. On a host with hybrid cgroups, scripts/cgroups-prepare runs first
// (crun 1.8 refuses one whose v2 hierarchy holds a controller). Needs root
// and crun: skipped loudly otherwise.
#include "rootfs_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;
using sf::test::rootfs_dir;
using sf::test::shell;

namespace {

// The full path of `program` on PATH (Program execs without a search).
std::string shell_path(const std::string& program) {
    std::string p = shell("command -v " + program);
    while (!p.empty() && p.back() == '\n')
        p.pop_back();
    return p;
}

constexpr int kHostIdBase = 200000; // uid/gid 0 inside the container

class RootfsCrun : public ::testing::Test {
  protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "SKIPPED LOUDLY: needs root (crun with a user namespace)";
        if (shell("command -v crun").empty()) GTEST_SKIP() << "SKIPPED LOUDLY: no crun (scripts/deps)";
        const std::string prepared =
            shell(std::string(SF_SOURCE_DIR) + "/scripts/cgroups-prepare; echo status=$?");
        std::printf("%s", prepared.c_str());
        ASSERT_NE(prepared.find("status=0"), std::string::npos) << prepared;
        dir_ = fs::temp_directory_path() / ("sfrootfs-" + std::to_string(getpid()) + "-crun");
        fs::create_directories(dir_ / "bundle");
        fs::create_directories(dir_ / "state");
    }
    void TearDown() override {
        if (dir_.empty()) return;
        shell("crun --root " + (dir_ / "state").string() + " delete --force " + id_ + " 2>/dev/null");
        fs::remove_all(dir_);
    }

    // config.json for `args`: crun's rootless template, then our rootfs and command.
    // With `netns_path`, the container joins that network namespace instead of a new one.
    void write_bundle(const std::vector<std::string>& args, const std::string& netns_path = "") {
        const json spec =
            json::parse(shell("cd " + (dir_ / "bundle").string() +
                              " && rm -f config.json && crun spec --rootless && cat config.json"),
                        nullptr, false);
        ASSERT_TRUE(spec.is_object());
        json c = spec;
        c["root"] = {{"path", rootfs_dir()}, {"readonly", true}};
        c["process"]["terminal"] = false;
        c["process"]["args"] = args;
        c["hostname"] = "sfrootfs";
        const json map = json::array({{{"containerID", 0}, {"hostID", kHostIdBase}, {"size", 65536}}});
        c["linux"]["uidMappings"] = map;
        c["linux"]["gidMappings"] = map;
        bool user = false, network = false;
        for (const json& ns : c["linux"]["namespaces"]) {
            user = user || ns.value("type", "") == "user";
            network = network || ns.value("type", "") == "network";
        }
        ASSERT_TRUE(user && network) << "crun spec --rootless changed: " << c["linux"]["namespaces"].dump();
        if (!netns_path.empty())
            for (json& ns : c["linux"]["namespaces"])
                if (ns.value("type", "") == "network") ns["path"] = netns_path;
        std::ofstream(dir_ / "bundle/config.json") << c.dump(2);
    }
    // `crun run` of the bundle (bounded by timeout): stdout and stderr, then "status=N".
    std::string run() {
        id_ = "sfrootfs-" + std::to_string(getpid()) + "-" + std::to_string(runs_++);
        return shell("timeout 30 crun --root " + (dir_ / "state").string() + " run --bundle " +
                     (dir_ / "bundle").string() + " " + id_ + " </dev/null 2>&1; echo status=$?");
    }

    fs::path dir_;
    std::string id_;
    int runs_ = 0;
};

TEST_F(RootfsCrun, EchoRunsInAUserNamespace) {
    write_bundle({"/bin/sh", "-c", "echo hello from the rootfs; id -u; hostname; cat /proc/self/uid_map"});
    const std::string out = run();
    EXPECT_EQ(out.substr(0, out.find("status=")),
              "hello from the rootfs\n0\nsfrootfs\n         0     200000      65536\n")
        << out;
    EXPECT_NE(out.find("status=0"), std::string::npos) << out;
}

TEST_F(RootfsCrun, ExitStatusComesBack) {
    write_bundle({"/bin/sh", "-c", "exit 7"});
    EXPECT_EQ(run(), "status=7\n");
}

TEST_F(RootfsCrun, HttpdServesBusyboxWgetInsideTheContainer) {
    // The container's own network namespace has only lo: bring it up, start
    // httpd, then fetch its page with busybox wget (retried until it listens).
    write_bundle({"/bin/sh", "-c",
                  "ip link set lo up && { /bin/httpd & } && for i in $(seq 250); do "
                  "wget -q -O - http://127.0.0.1/ 2>/dev/null && exit 0; usleep 20000; done; exit 1"});
    const std::string out = run();
    EXPECT_NE(out.find("httpd: listening on 127.0.0.1:80\n"), std::string::npos) << out;
    EXPECT_NE(out.find("<h1>superfluid</h1>"), std::string::npos) << out;
    EXPECT_NE(out.find("status=0"), std::string::npos) << out;
}

TEST_F(RootfsCrun, UdpechoInAPreparedNamespaceAnswersLinuxNc) {
    // As sfd's warm pool would: the container joins a network namespace made
    // beforehand (with its interface and address), where ports below 1024 are
    // open to unprivileged users (root inside a user namespace is not root of
    // a namespace it does not own).
    sf::test::NetnsPair net;
    ASSERT_TRUE(net.ok());
    ASSERT_EQ(net.in_server("sysctl -qw net.ipv4.ip_unprivileged_port_start=0 && echo ok"), "ok\n");
    write_bundle({"/bin/udpecho"}, "/run/netns/" + net.server());
    id_ = "sfrootfs-" + std::to_string(getpid()) + "-" + std::to_string(runs_++);
    sf::test::Program crun("", {shell_path("crun"), "--root", (dir_ / "state").string(), "run", "--bundle",
                                (dir_ / "bundle").string(), id_});
    EXPECT_EQ(crun.first_line(10000), std::string("udpecho: listening on ") + sf::test::kServerIp + ":7");
    EXPECT_EQ(net.in_client("printf 'hello crun' | nc -u -w1 " + std::string(sf::test::kServerIp) + " 7"),
              "hello crun");
    // SIGTERM through the runtime ends it with 128 + 15 (it is the container's PID 1).
    shell("crun --root " + (dir_ / "state").string() + " kill " + id_ + " TERM");
    const int status = crun.wait_for_exit(10000);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 143);
}

} // namespace
