// superfluid container tests: TestRootfs, the root filesystem the container
// tests run on: build/rootfs (SF_ROOTFS_DIR, made by scripts/mkrootfs in the
// default build): busybox-static with its applets in /bin and /usr/bin, /etc,
// the mount points sfd's bundles use, and the static Linux builds of
// udpecho, httpd and kvcount in /bin. Shared and read only: a test writes
// nothing into it.
#pragma once

#include <string>

namespace sf::test {

class TestRootfs {
  public:
    const std::string& path() const { return dir_; }
    // A file that is there but is no program (a bad command that passes sfd's own check).
    static constexpr const char* kNotAProgram = "/etc/hostname";

  private:
    std::string dir_ = SF_ROOTFS_DIR;
};

} // namespace sf::test
