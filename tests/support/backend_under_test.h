// superfluid tests: the backend under test ($SF_BACKEND, which sfd and
// sf-worker read too), shared by the suites that start real guests.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sf::test {

// Whether guests can run here: only an explicit kvm can be missing; process
// and auto run everywhere. The first call for a missing /dev/kvm says loudly
// that `suite`'s tests are skipped ("SFD", "WORKER").
inline bool backend_usable(const char* suite) {
    static const bool usable = [suite] {
        const char* backend = std::getenv("SF_BACKEND");
        if (backend == nullptr || std::string(backend) != "kvm") return true;
        int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            std::fprintf(stderr, "\n*** %s TESTS SKIPPED: SF_BACKEND=kvm, /dev/kvm: %s ***\n\n", suite,
                         std::strerror(errno));
            return false;
        }
        ::close(fd);
        return true;
    }();
    return usable;
}

// Skips the current test when its backend cannot run guests here.
#define SF_REQUIRE_GUEST_BACKEND(suite)                                                                      \
    do {                                                                                                     \
        if (!::sf::test::backend_usable(suite)) GTEST_SKIP() << "SKIPPED: /dev/kvm is not usable here";      \
    } while (0)

} // namespace sf::test
