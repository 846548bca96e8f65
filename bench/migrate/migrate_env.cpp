// sf-bench migrate: `scripts/testhosts env`; see migrate_env.h.
#include "bench/migrate/migrate_env.h"

#include <sstream>

namespace sf::bench {
namespace {

std::string trimmed(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string unquoted(std::string value) {
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front())
        return value.substr(1, value.size() - 2);
    return value;
}

bool valid_name(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name)
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

} // namespace

std::map<std::string, std::string> parse_env_lines(const std::string& text) {
    std::map<std::string, std::string> vars;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        line = trimmed(line);
        if (line.rfind("export ", 0) == 0) line = trimmed(line.substr(7));
        const size_t eq = line.find('=');
        if (line.empty() || line.front() == '#' || eq == std::string::npos) continue;
        const std::string name = line.substr(0, eq);
        if (valid_name(name)) vars[name] = unquoted(line.substr(eq + 1));
    }
    return vars;
}

Result<TestHostsEnv> read_testhosts_env(const std::map<std::string, std::string>& vars, int hosts) {
    auto get = [&](const std::string& name) -> Result<std::string> {
        auto it = vars.find(name);
        if (it == vars.end() || it->second.empty()) return error("scripts/testhosts env: no {}", name);
        return it->second;
    };
    TestHostsEnv env;
    for (int i = 1; i <= hosts; ++i) {
        SF_TRY_ASSIGN(std::string ns, get(fmt::format("SF_HOST{}_NS", i)));
        SF_TRY_ASSIGN(std::string addr, get(fmt::format("SF_HOST{}_ADDR", i)));
        env.host_ns.push_back(std::move(ns));
        env.host_addr.push_back(addr.substr(0, addr.find('/')));
    }
    SF_TRY_ASSIGN(env.client_ns, get("SF_CLIENT_NS"));
    SF_TRY_ASSIGN(std::string client, get("SF_CLIENT_ADDR"));
    env.client_addr = client.substr(0, client.find('/'));
    return env;
}

} // namespace sf::bench
