// Tests of sfctl: the built binary run against a fixture's socket, and what
// every failing sfctl command must look like (shared by tests/cli/*_test.cpp).
#pragma once

#include "api_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sf::test {

inline size_t line_count(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// sfctl ARGS --socket SOCKET, in `cwd` (empty: this process's).
inline ProcessResult run_sfctl(std::vector<std::string> args, const std::string& socket,
                               const std::string& cwd = "") {
    args.insert(args.begin(), std::string(SF_BIN_DIR) + "/sfctl");
    args.insert(args.end(), {"--socket", socket});
    return run_process(args, {}, "", cwd);
}

// Exit 1, nothing on stdout, and one line on stderr: "sfctl COMMAND: ..." containing `needle`.
inline void expect_sfctl_failure(const ProcessResult& r, const std::string& command,
                                 const std::string& needle) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("sfctl " + command + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_EQ(r.out, "");
}

} // namespace sf::test
