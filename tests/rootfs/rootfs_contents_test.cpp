// The containers' rootfs (build/rootfs, made by scripts/mkrootfs): what it
// holds, that busybox and its applets run from it, and that the three sample
// services are static, stripped Linux programs. No root needed, except for
// the chroot check.
#include "rootfs_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using sf::test::rootfs_dir;
using sf::test::shell;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Where busybox put `applet` (bin, sbin, usr/bin, usr/sbin), "" if nowhere.
fs::path applet_path(const std::string& applet) {
    for (const char* dir : {"bin", "sbin", "usr/bin", "usr/sbin"}) {
        const fs::path p = fs::path(rootfs_dir()) / dir / applet;
        if (fs::is_symlink(p)) return p;
    }
    return {};
}

TEST(RootfsContents, BusyboxIsStaticWithItsAppletLinks) {
    const fs::path busybox = fs::path(rootfs_dir()) / "bin/busybox";
    ASSERT_TRUE(fs::is_regular_file(busybox)) << busybox;
    EXPECT_EQ(shell("readelf -l " + busybox.string() + " | grep -c 'program interpreter'"), "0\n");
    for (const char* applet : {"sh", "echo", "cat", "sleep", "ls", "ps", "kill", "wget", "ping", "nc", "ip",
                               "ifconfig", "mount", "grep", "sed", "vi", "top", "udhcpc"}) {
        const fs::path p = applet_path(applet);
        ASSERT_FALSE(p.empty()) << "no applet link for " << applet;
        EXPECT_EQ(fs::read_symlink(p), "/bin/busybox") << p;
    }
}

TEST(RootfsContents, AppletsRunFromTheRootfs) {
    const std::string root = rootfs_dir();
    EXPECT_EQ(shell(root + "/bin/busybox sh -c 'echo $((6 * 7))'"), "42\n");
    EXPECT_EQ(shell(root + "/bin/busybox seq 3"), "1\n2\n3\n");
    if (geteuid() != 0) GTEST_SKIP() << "SKIPPED LOUDLY: chroot needs root (the applets ran without it)";
    // Inside: the links resolve against the rootfs itself, with no host file.
    EXPECT_EQ(shell("chroot " + root + " /bin/sh -c 'echo hi | cat; ls /bin/httpd; id -un'"),
              "hi\n/bin/httpd\nroot\n");
}

TEST(RootfsContents, EtcAndMountPoints) {
    const fs::path root = rootfs_dir();
    EXPECT_NE(read_file(root / "etc/passwd").find("root:x:0:0:root:/root:/bin/sh\n"), std::string::npos);
    EXPECT_NE(read_file(root / "etc/passwd").find("nobody:x:65534:"), std::string::npos);
    EXPECT_NE(read_file(root / "etc/group").find("root:x:0:\n"), std::string::npos);
    EXPECT_NE(read_file(root / "etc/hosts").find("127.0.0.1\tlocalhost\n"), std::string::npos);
    EXPECT_TRUE(fs::exists(root / "etc/resolv.conf"));
    for (const char* dir : {"proc", "sys", "dev"}) {
        EXPECT_TRUE(fs::is_directory(root / dir)) << dir;
        EXPECT_TRUE(fs::is_empty(root / dir)) << dir << " is a mount point: the runtime fills it";
    }
    struct stat st {};
    ASSERT_EQ(stat((root / "tmp").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 01777u);
    EXPECT_NE(read_file(root / "etc/superfluid-rootfs").find("made by scripts/mkrootfs"), std::string::npos);
}

TEST(RootfsContents, ServicesAreStaticStrippedLinuxPrograms) {
    for (const char* name : {"udpecho", "httpd", "kvcount"}) {
        const fs::path p = fs::path(rootfs_dir()) / "bin" / name;
        ASSERT_TRUE(fs::is_regular_file(p)) << p;
        EXPECT_EQ(access(p.c_str(), X_OK), 0) << p;
        const std::string headers = shell("readelf -hlS " + p.string());
        EXPECT_NE(headers.find("Type:                              EXEC"), std::string::npos) << p;
        EXPECT_EQ(headers.find("program interpreter"), std::string::npos) << p << " is not static";
        EXPECT_EQ(headers.find(".symtab"), std::string::npos) << p << " is not stripped";
        EXPECT_NE(headers.find("X86-64"), std::string::npos) << p;
        std::printf("%s: %ju bytes\n", name, static_cast<uintmax_t>(fs::file_size(p)));
    }
}

TEST(RootfsContents, MkrootfsRefusesADirectoryItDidNotMake) {
    const fs::path dir = fs::temp_directory_path() / ("sfrootfs-" + std::to_string(getpid()) + "-notours");
    fs::create_directories(dir);
    std::ofstream(dir / "precious") << "keep me\n";
    const std::string out =
        shell(std::string(SF_SOURCE_DIR) + "/scripts/mkrootfs --programs " +
              fs::path(rootfs_dir()).append("bin").string() + " " + dir.string() + "; echo status=$?");
    EXPECT_NE(out.find("refusing to replace it"), std::string::npos) << out;
    EXPECT_NE(out.find("status=1"), std::string::npos) << out;
    EXPECT_EQ(read_file(dir / "precious"), "keep me\n");
    fs::remove_all(dir);
}

TEST(RootfsContents, MkrootfsRemakesItsOwnRootfs) {
    const fs::path dir = fs::temp_directory_path() / ("sfrootfs-" + std::to_string(getpid()) + "-remade");
    const std::string make = std::string(SF_SOURCE_DIR) + "/scripts/mkrootfs --quiet --programs " +
                             fs::path(rootfs_dir()).append("bin").string() + " " + dir.string() +
                             "; echo status=$?";
    EXPECT_EQ(shell(make), "status=0\n");
    std::ofstream(dir / "tmp/left-over") << "x";
    EXPECT_EQ(shell(make), "status=0\n"); // made afresh: what was there is gone
    EXPECT_FALSE(fs::exists(dir / "tmp/left-over"));
    EXPECT_TRUE(fs::is_regular_file(dir / "bin/kvcount"));
    EXPECT_EQ(shell(std::string(SF_SOURCE_DIR) + "/scripts/mkrootfs --bogus 2>&1; echo status=$?"),
              "mkrootfs: unknown option --bogus (see --help)\nstatus=2\n");
    fs::remove_all(dir);
}

} // namespace
