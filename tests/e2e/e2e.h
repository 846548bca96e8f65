// superfluid end-to-end tests: shared helpers. These tests boot real guests
// on the backend named by $SF_BACKEND (kvm, process; unset: auto), as ctest
// runs each suite once per backend the machine has.
#pragma once

#include "vmm/foreground.h"
#include "vmm/guest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sf::test {

// Paths of the build (set by CMake).
inline std::string guest_path(const std::string& name) {
    return std::string(SF_GUEST_DIR) + "/" + name;
}
inline std::string bin_path(const std::string& name) {
    return std::string(SF_BIN_DIR) + "/" + name;
}

// The backend under test, or nullptr (and a loud line on stderr) when it cannot be opened.
std::shared_ptr<const vmm::Backend> backend_or_null();
// Its kind (meaningful when backend_or_null() is set).
vmm::BackendKind backend_kind();

#define SF_REQUIRE_BACKEND()                                                                                 \
    do {                                                                                                     \
        if (!::sf::test::backend_or_null())                                                                  \
            GTEST_SKIP() << "SKIPPED: the backend under test is not usable here";                            \
    } while (0)

class CapturingConsole final : public vmm::ConsoleSink {
  public:
    void write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
    std::string text;
};

struct GuestRun {
    vmm::ForegroundResult result;
    std::string console;
};

// Boots `image` bytes or file with `config` and runs it to the end (timeout 10 s).
GuestRun run_image(const vmm::Image& image, vmm::GuestConfig config = {},
                   std::chrono::nanoseconds timeout = std::chrono::seconds(10));
GuestRun run_guest(const std::string& name, vmm::GuestConfig config = {},
                   std::chrono::nanoseconds timeout = std::chrono::seconds(10));

struct ProcessResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs a program with arguments, capturing stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv);

// Number of open file descriptors of this process.
int open_fd_count();

} // namespace sf::test
