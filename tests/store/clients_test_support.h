// superfluid tests: the RealClients fixture (an sfstore process on a temporary socket).
#pragma once

#include "sfstore_process.h"
#include "wire_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace sf::store::test {

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Waits up to 5 s for `path` to hold at least `lines` lines.
inline bool wait_for_lines(const std::string& path, long lines) {
    for (int i = 0; i < 500; ++i) {
        const std::string text = slurp(path);
        if (std::count(text.begin(), text.end(), '\n') >= lines) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

class RealClients : public ::testing::Test {
  protected:
    void SetUp() override {
        socket_ = dir_.path() + "/xenstored.sock";
        store_ = std::make_unique<SfstoreProcess>(std::string(SF_BIN_DIR) + "/sfstore", socket_);
        ASSERT_TRUE(store_->ok()) << "sfstore did not start: " << store_->first_line();
    }
    // Runs a xenstore-utils command line against our store.
    CommandResult xs(const std::string& command) {
        return run_command("XENSTORED_PATH=" + socket_ + " " + command);
    }
    // Runs a Python 3 script with Debian's pyxs (always /usr/bin/python3: the one on PATH lacks it).
    CommandResult python(const std::string& script) {
        const std::string file = dir_.path() + "/script.py";
        std::ofstream(file) << "import sys\nSOCKET = " << '"' << socket_ << '"' << "\n" << script;
        return run_command("/usr/bin/python3 " + file);
    }

    TempDir dir_;
    std::string socket_;
    std::unique_ptr<SfstoreProcess> store_;
};

} // namespace sf::store::test
