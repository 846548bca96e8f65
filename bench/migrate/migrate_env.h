// sf-bench migrate: the test hosts' description that `scripts/testhosts env`
// prints (lines NAME=VALUE, possibly `export NAME=VALUE` or quoted), read
// into the fields the bench needs (a pure parser, unit-tested).
#pragma once

#include "common/result.h"

#include <map>
#include <string>
#include <vector>

namespace sf::bench {

struct TestHostsEnv {
    std::vector<std::string> host_ns;   // SF_HOST1_NS, SF_HOST2_NS, ...
    std::vector<std::string> host_addr; // SF_HOST1_ADDR, ... (e.g. 10.99.0.1; a "/prefix" dropped)
    std::string client_ns, client_addr; // SF_CLIENT_NS, SF_CLIENT_ADDR
};

// Every NAME=VALUE line (comments and other lines skipped; "export " and one
// level of single or double quotes removed).
std::map<std::string, std::string> parse_env_lines(const std::string& text);

// The fields for `hosts` hosts; an error names the first variable missing.
Result<TestHostsEnv> read_testhosts_env(const std::map<std::string, std::string>& vars, int hosts);

} // namespace sf::bench
