// superfluid tests: running a test body in a private network namespace (for
// tests that make real uplink TAPs), and waiting for the data plane.
// Header-only, for the host tests of sfd's switch service.
#pragma once

#include <gtest/gtest.h>

#include <sched.h>

#include <chrono>
#include <functional>
#include <thread>

namespace sf::test {

// Runs `body` on a thread in a new network namespace; false if it cannot be made.
inline bool in_private_netns(const std::function<void()>& body) {
    bool entered = false;
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) return;
        entered = true;
        body();
    }).join();
    return entered;
}

// Waits until `done` holds (the data plane is another thread); false after 5 s.
inline bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

} // namespace sf::test

#define SF_IN_NETNS(...)                                                                                     \
    if (!::sf::test::in_private_netns(__VA_ARGS__))                                                          \
    GTEST_SKIP() << "SKIPPED: needs CAP_SYS_ADMIN (a private network namespace)"
