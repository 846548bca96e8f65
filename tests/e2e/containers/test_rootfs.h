// superfluid container tests: TestRootfs, a small root filesystem for
// containers: Debian's busybox-static as /bin/busybox with its applets as
// symlinks (sh, echo, sleep, cat, ...), and the mount points the bundles
// sfd writes use (/proc, /dev, /tmp). Removed when it goes.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace sf::test {

class TestRootfs {
  public:
    TestRootfs() {
        char pattern[] = "/tmp/sf-ctr-rootfs-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        namespace fs = std::filesystem;
        for (const char* d : {"bin", "proc", "dev", "tmp", "etc"})
            fs::create_directories(dir_ + "/" + d);
        fs::copy_file("/bin/busybox", dir_ + "/bin/busybox");
        ::chmod((dir_ + "/bin/busybox").c_str(), 0755);
        for (const char* applet : {"sh", "echo", "sleep", "cat", "ls", "head", "tail", "kill", "id", "true",
                                   "false", "wc", "ps", "grep"})
            fs::create_symlink("busybox", dir_ + "/bin/" + applet);
        // A file that is there but is no program (a bad command that passes sfd's own check).
        std::FILE* f = std::fopen((dir_ + "/bin/notaprogram").c_str(), "w");
        std::fputs("not an executable\n", f);
        std::fclose(f);
        ::chmod(dir_.c_str(), 0755);
    }
    ~TestRootfs() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    TestRootfs(const TestRootfs&) = delete;
    TestRootfs& operator=(const TestRootfs&) = delete;

    const std::string& path() const { return dir_; }

  private:
    std::string dir_;
};

} // namespace sf::test
