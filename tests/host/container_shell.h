// superfluid tests: running Linux's own tools (ip, ping, nc, curl) from a
// test, in the calling thread's network namespace or in a container NIC's.
// Header-only, for the container NIC tests.
#pragma once

#include "host/net_service.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace sf::test {

// Runs a shell command in the calling thread's namespace; its stdout and stderr. With `status`,
// its exit status there (-1 when it did not exit).
inline std::string shell(const std::string& command, int* status = nullptr) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return out;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        out.append(buffer, n);
    const int rc = ::pclose(pipe);
    if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

// The name of a container NIC's network namespace (as `ip netns` knows it).
inline std::string name_of(const sf::host::NicLease& lease) {
    return std::filesystem::path(lease.netns).filename().string();
}

// Runs a shell command in the namespace of a container NIC.
inline std::string in_netns(const sf::host::NicLease& lease, const std::string& command,
                            int* status = nullptr) {
    return shell("ip netns exec " + name_of(lease) + " " + command, status);
}

} // namespace sf::test
