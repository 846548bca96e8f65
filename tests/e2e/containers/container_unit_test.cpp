// superfluid container tests, no runtime: the cgroup-hybrid detection and
// preparation on a fake cgroup tree, and the bundle configs sfd writes.
#include "host/oci/oci_bundle.h"
#include "host/oci/oci_cgroups.h"
#include "test_rootfs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace sf::host {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FakeCgroupTree : public ::testing::Test {
  protected:
    FakeCgroupTree() {
        char pattern[] = "/tmp/sf-ctr-cgroups-XXXXXX";
        root_ = ::mkdtemp(pattern);
        fs::create_directories(root_ + "/unified");
        fs::create_directories(root_ + "/memory");
    }
    ~FakeCgroupTree() override { fs::remove_all(root_); }
    void controllers(const std::string& text) {
        std::ofstream(root_ + "/unified/cgroup.controllers") << text;
    }
    std::string root_;
};

TEST_F(FakeCgroupTree, HybridWithAControllerInCgroup2IsDetectedAndTheFixNamed) {
    controllers("hugetlb\n");
    EXPECT_EQ(hybrid_controllers(root_), std::vector<std::string>{"hugetlb"});
    Result<void> checked = check_cgroups(root_);
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().kind, ErrorKind::Unavailable);
    const std::string& message = checked.error().message;
    EXPECT_NE(message.find("--prepare-cgroups"), std::string::npos) << message;
    EXPECT_NE(message.find("mount -t cgroup -o hugetlb cgroup " + root_ + "/hugetlb"), std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
}

TEST_F(FakeCgroupTree, PreparingMountsEachControllerAsAV1Hierarchy) {
    controllers("hugetlb misc\n");
    std::vector<std::pair<std::string, std::string>> mounted;
    Result<std::vector<std::string>> done =
        prepare_cgroups(root_, [&](const std::string& dir, const std::string& c) {
            mounted.emplace_back(dir, c);
            return ok();
        });
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_EQ(*done, (std::vector<std::string>{"hugetlb", "misc"}));
    ASSERT_EQ(mounted.size(), 2u);
    EXPECT_EQ(mounted[0], std::make_pair(root_ + "/hugetlb", std::string("hugetlb")));
    EXPECT_EQ(mounted[1], std::make_pair(root_ + "/misc", std::string("misc")));
}

TEST_F(FakeCgroupTree, AFailedMountIsAnError) {
    controllers("hugetlb\n");
    Result<std::vector<std::string>> done = prepare_cgroups(
        root_, [](const std::string&, const std::string&) -> Result<void> { return error("no"); });
    EXPECT_FALSE(done.ok());
}

TEST_F(FakeCgroupTree, EmptyControllersOrNoCgroup2AreFine) {
    controllers("");
    EXPECT_TRUE(hybrid_controllers(root_).empty());
    EXPECT_TRUE(check_cgroups(root_).ok());
    fs::remove_all(root_ + "/unified");
    EXPECT_TRUE(check_cgroups(root_).ok());
}

TEST_F(FakeCgroupTree, OomKillsAreReadFromMemoryOomControl) {
    const std::string dir = memory_cgroup_dir("/superfluid/sf-x-1", root_);
    EXPECT_EQ(dir, root_ + "/memory/superfluid/sf-x-1");
    EXPECT_EQ(oom_kills(dir), 0u); // unreadable
    fs::create_directories(dir);
    std::ofstream(dir + "/memory.oom_control") << "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
    EXPECT_EQ(oom_kills(dir), 3u);
}

BundleSettings settings() {
    BundleSettings s;
    s.hostname = "web";
    s.mem_limit = 32 << 20;
    s.pids_limit = 20;
    s.cgroups_path = "/superfluid/sf-t-7";
    s.uid_base = 200000;
    return s;
}

bool has_syscall_denied(const json& seccomp, const std::string& name) {
    for (const json& rule : seccomp["syscalls"])
        if (rule["action"] == "SCMP_ACT_ERRNO" && !rule.contains("args"))
            for (const json& n : rule["names"])
                if (n == name) return true;
    return false;
}

const json* network_namespace(const json& config) {
    for (const json& ns : config["linux"]["namespaces"])
        if (ns["type"] == "network") return &ns;
    return nullptr;
}

TEST(OciBundle, ARootfsConfigIsConfined) {
    sf::test::TestRootfs rootfs;
    BundleSettings s = settings();
    s.args = {"sh", "-c", "echo hi"};
    Result<json> config = rootfs_config(rootfs.path(), s);
    ASSERT_TRUE(config.ok()) << config.error().message;
    const json& c = *config;
    EXPECT_EQ(c["process"]["args"], json({"sh", "-c", "echo hi"}));
    EXPECT_EQ(c["process"]["terminal"], false);
    EXPECT_EQ(c["process"]["noNewPrivileges"], true);
    EXPECT_EQ(c["process"]["cwd"], "/");
    EXPECT_EQ(c["root"]["path"], rootfs.path());
    EXPECT_EQ(c["root"]["readonly"], true);
    EXPECT_EQ(c["hostname"], "web");
    EXPECT_EQ(c["linux"]["uidMappings"][0]["hostID"], 200000);
    EXPECT_EQ(c["linux"]["uidMappings"][0]["containerID"], 0);
    EXPECT_EQ(c["linux"]["gidMappings"][0]["hostID"], 200000);
    std::vector<std::string> types;
    for (const json& ns : c["linux"]["namespaces"])
        types.push_back(ns["type"]);
    for (const char* t : {"user", "pid", "ipc", "uts", "mount", "network"})
        EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
    ASSERT_NE(network_namespace(c), nullptr);
    EXPECT_FALSE(network_namespace(c)->contains("path")) << "a new, empty netns";
    EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 32 << 20);
    EXPECT_EQ(c["linux"]["resources"]["pids"]["limit"], 20);
    EXPECT_EQ(c["linux"]["cgroupsPath"], "/superfluid/sf-t-7");
    const json& seccomp = c["linux"]["seccomp"];
    EXPECT_EQ(seccomp["defaultAction"], "SCMP_ACT_ALLOW");
    for (const char* name : {"keyctl",
                             "add_key",
                             "request_key",
                             "ptrace",
                             "mount",
                             "umount2",
                             "pivot_root",
                             "kexec_load",
                             "kexec_file_load",
                             "init_module",
                             "finit_module",
                             "delete_module",
                             "bpf",
                             "perf_event_open",
                             "unshare",
                             "setns",
                             "reboot",
                             "swapon",
                             "swapoff",
                             "acct",
                             "open_by_handle_at"})
        EXPECT_TRUE(has_syscall_denied(seccomp, name)) << name;
    EXPECT_FALSE(has_syscall_denied(seccomp, "read"));
}

TEST(OciBundle, ANetnsIsJoinedByPath) {
    sf::test::TestRootfs rootfs;
    BundleSettings s = settings();
    s.netns = "/run/netns/sf-test-ctr";
    Result<json> config = rootfs_config(rootfs.path(), s);
    ASSERT_TRUE(config.ok()) << config.error().message;
    ASSERT_NE(network_namespace(*config), nullptr);
    EXPECT_EQ((*network_namespace(*config))["path"], "/run/netns/sf-test-ctr");
    EXPECT_EQ((*config)["process"]["args"], json({"/bin/sh"})) << "the default command";
}

TEST(OciBundle, AMissingRootfsOrProgramIsRefused) {
    sf::test::TestRootfs rootfs;
    BundleSettings s = settings();
    Result<json> missing = rootfs_config(rootfs.path() + "/nothing", s);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(missing.error().message.find("is not a directory"), std::string::npos);
    s.args = {"/bin/nosuchprogram"};
    Result<json> bad = rootfs_config(rootfs.path(), s);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(bad.error().message.find("no program /bin/nosuchprogram"), std::string::npos)
        << bad.error().message;
    s.args = {"nosuchprogram"};
    EXPECT_FALSE(rootfs_config(rootfs.path(), s).ok());
    s.args = {"cat"}; // found on the PATH
    EXPECT_TRUE(rootfs_config(rootfs.path(), s).ok());
}

TEST(OciBundle, ABundleKeepsItsConfigButTakesSfdsSettings) {
    sf::test::TestRootfs rootfs;
    char pattern[] = "/tmp/sf-ctr-bundle-XXXXXX";
    const std::string bundle = ::mkdtemp(pattern);
    BundleSettings s = settings();
    s.netns = "/run/netns/x";
    EXPECT_FALSE(bundle_config(bundle, s).ok()) << "no config.json";
    std::ofstream(bundle + "/config.json") << "{not json";
    Result<json> malformed = bundle_config(bundle, s);
    ASSERT_FALSE(malformed.ok());
    EXPECT_NE(malformed.error().message.find("not a JSON object"), std::string::npos);
    fs::create_symlink(rootfs.path(), bundle + "/rootfs");
    std::ofstream(bundle + "/config.json", std::ios::trunc)
        << R"({"ociVersion": "1.0.2", "process": {"terminal": true, "args": ["/bin/echo", "x"], "cwd": "/"},
              "root": {"path": "rootfs"}, "hostname": "theirs",
              "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/other"}]}})";
    Result<json> config = bundle_config(bundle, s);
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ((*config)["root"]["path"], bundle + "/rootfs");
    EXPECT_EQ((*config)["process"]["terminal"], false);
    EXPECT_EQ((*config)["process"]["args"], json({"/bin/echo", "x"}));
    EXPECT_EQ((*config)["hostname"], "theirs");
    EXPECT_EQ((*network_namespace(*config))["path"], "/run/netns/x");
    EXPECT_EQ((*config)["linux"]["namespaces"].size(), 2u);
    EXPECT_EQ((*config)["linux"]["resources"]["memory"]["limit"], 32 << 20);
    // No /dev mount of its own: it gets a tmpfs, first, so that the
    // runtime's device nodes never land in the (shared) root directory.
    ASSERT_TRUE((*config)["mounts"].is_array());
    ASSERT_FALSE((*config)["mounts"].empty());
    EXPECT_EQ((*config)["mounts"][0]["destination"], "/dev");
    EXPECT_EQ((*config)["mounts"][0]["type"], "tmpfs");
    s.args = {"/bin/sh"};
    EXPECT_EQ((*bundle_config(bundle, s))["process"]["args"], json({"/bin/sh"}));
    // A /dev of its own (here with a trailing slash) is kept, and /dev/pts after it stays after it.
    std::ofstream(bundle + "/config.json", std::ios::trunc)
        << R"({"process": {"args": ["/bin/echo"]}, "root": {"path": "rootfs"},
              "mounts": [{"destination": "/dev/", "type": "bind", "source": "/somewhere"},
                         {"destination": "/dev/pts", "type": "devpts", "source": "devpts"}]})";
    Result<json> own_dev = bundle_config(bundle, s);
    ASSERT_TRUE(own_dev.ok()) << own_dev.error().message;
    ASSERT_EQ((*own_dev)["mounts"].size(), 2u);
    EXPECT_EQ((*own_dev)["mounts"][0]["type"], "bind");
    std::ofstream(bundle + "/config.json", std::ios::trunc)
        << R"({"process": {"args": ["/bin/echo"]}, "root": {"path": "rootfs"},
              "mounts": [{"destination": "/dev/pts", "type": "devpts", "source": "devpts"}]})";
    Result<json> pts_only = bundle_config(bundle, s);
    ASSERT_TRUE(pts_only.ok()) << pts_only.error().message;
    ASSERT_EQ((*pts_only)["mounts"].size(), 2u);
    EXPECT_EQ((*pts_only)["mounts"][0]["destination"], "/dev");
    EXPECT_EQ((*pts_only)["mounts"][1]["destination"], "/dev/pts");
    std::ofstream(bundle + "/config.json", std::ios::trunc)
        << R"({"process": {"args": ["/bin/echo"]}, "root": {"path": "rootfs"}, "mounts": {"a": 1}})";
    Result<json> bad_mounts = bundle_config(bundle, s);
    ASSERT_FALSE(bad_mounts.ok());
    EXPECT_NE(bad_mounts.error().message.find("\"mounts\" is not an array"), std::string::npos)
        << bad_mounts.error().message;
    std::ofstream(bundle + "/config.json", std::ios::trunc)
        << R"({"process": {"args": ["/bin/echo"]}, "root": {"path": "rootfs"}})";
    fs::remove(bundle + "/rootfs");
    Result<json> no_root = bundle_config(bundle, s);
    ASSERT_FALSE(no_root.ok());
    EXPECT_NE(no_root.error().message.find("is not a directory"), std::string::npos);
    fs::remove_all(bundle);
}

} // namespace
} // namespace sf::host
