// sf-bench: private network namespaces; see private_netns.h.
#include "bench/common/private_netns.h"

#include "common/executable_path.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace sf::bench {
namespace {

const char* const kThreshPaths[3] = {
    "/proc/sys/net/ipv4/neigh/default/gc_thresh1",
    "/proc/sys/net/ipv4/neigh/default/gc_thresh2",
    "/proc/sys/net/ipv4/neigh/default/gc_thresh3",
};

Result<uint64_t> read_number(const char* path) {
    std::ifstream in(path);
    uint64_t value = 0;
    if (!(in >> value)) return error("cannot read {} (run in the host's network namespace)", path);
    return value;
}

Result<void> write_number(const char* path, uint64_t value) {
    std::ofstream out(path);
    out << value << '\n';
    out.close();
    if (!out) return error("cannot write {}: {}", path, std::strerror(errno));
    return ok();
}

// Writes thresh3, 2, 1 when raising and 1, 2, 3 when lowering, so that
// 1 <= 2 <= 3 holds at every step.
Result<void> write_limits(const std::array<uint64_t, 3>& values, bool raising) {
    for (int k = 0; k < 3; ++k) {
        const int i = raising ? 2 - k : k;
        SF_TRY(write_number(kThreshPaths[i], values[static_cast<size_t>(i)]));
    }
    return ok();
}

std::vector<std::string> own_arguments() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::vector<std::string> args;
    for (std::string arg; std::getline(in, arg, '\0');)
        args.push_back(arg);
    return args;
}

std::string testns_script() {
    const char* env = std::getenv("SF_TESTNS_SCRIPT");
    if (env != nullptr && *env != '\0') return env;
    return beside_executable("../../scripts/testns").string();
}

void ignore_signal(int) {}

} // namespace

bool inside_testns() {
    const char* name = std::getenv("SF_TESTNS");
    if (name == nullptr || *name == '\0' || std::strchr(name, '/') != nullptr) return false;
    struct stat ours {
    }, named{};
    const std::string path = std::string("/run/netns/") + name;
    if (::stat("/proc/self/ns/net", &ours) != 0 || ::stat(path.c_str(), &named) != 0) return false;
    return ours.st_dev == named.st_dev && ours.st_ino == named.st_ino;
}

Result<int> rerun_inside_testns(const char* who) {
    const std::string script = testns_script();
    if (::access(script.c_str(), X_OK) != 0)
        return error("{}: {} (set SF_TESTNS_SCRIPT, or run: scripts/testns run -- sf-bench ...)", script,
                     std::strerror(errno));
    std::vector<std::string> args = own_arguments();
    if (args.empty()) return error("cannot read /proc/self/cmdline");
    std::error_code ec;
    args[0] = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return error("cannot read /proc/self/exe: {}", ec.message());
    args.insert(args.begin(), {script, "run", "--"});
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::fprintf(stderr, "%s: running inside a private network namespace (scripts/testns)\n", who);
    struct sigaction quiet = {}, old_int = {}, old_term = {};
    quiet.sa_handler = ignore_signal; // a handler, not SIG_IGN: exec gives the child the default
    ::sigaction(SIGINT, &quiet, &old_int);
    ::sigaction(SIGTERM, &quiet, &old_term);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    if (pid < 0) return error("fork: {}", std::strerror(errno));
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::array<uint64_t, 3> neighbour_limits_for(uint64_t entries, const std::array<uint64_t, 3>& current) {
    return {std::max(current[0], entries), std::max(current[1], 2 * entries),
            std::max(current[2], 2 * entries)};
}

Result<std::unique_ptr<NeighbourTableLimits>> NeighbourTableLimits::raise(uint64_t entries) {
    std::array<uint64_t, 3> old{};
    for (size_t i = 0; i < 3; ++i) {
        SF_TRY_ASSIGN(old[i], read_number(kThreshPaths[i]));
    }
    const std::array<uint64_t, 3> wanted = neighbour_limits_for(entries, old);
    if (auto written = write_limits(wanted, true); !written) {
        (void)write_limits(old, false);
        return std::move(written).error();
    }
    return std::unique_ptr<NeighbourTableLimits>(new NeighbourTableLimits(old, wanted));
}

NeighbourTableLimits::~NeighbourTableLimits() {
    if (auto restored = write_limits(old_, false); !restored)
        std::fprintf(stderr, "sf-bench: could not restore gc_thresh: %s\n", restored.error().message.c_str());
}

} // namespace sf::bench
