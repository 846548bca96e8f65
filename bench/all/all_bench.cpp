// sf-bench all: see all_bench.h.
#include "bench/all/all_bench.h"

#include "bench/all/all_document.h"
#include "bench/all/bench_version.h" // generated: SF_BENCH_COMMIT
#include "bench/common/interrupts.h"
#include "common/meminfo.h"
#include "vmm/backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sf::bench {
namespace {

struct AllOptions {
    std::string size = "quick";
    std::vector<std::string> only; // empty: all
    std::string backend = "auto";
    bool json = false;
};

const std::vector<std::string> kNames = {"boot", "hypercall", "storm", "store", "net", "migrate"};

bool needs_root(const std::string& name) {
    return name == "net" || name == "migrate";
}

// The arguments after "sf-bench NAME" for `size`; `backend` is what runs guests.
std::vector<std::string> arguments(const std::string& name, const std::string& size,
                                   const std::string& backend) {
    const bool quick = size == "quick";
    if (name == "boot")
        return quick ? std::vector<std::string>{"--runs", "100", "--via-sfd", "--backend", backend}
                     : std::vector<std::string>{"--runs",    "3",         "--warmup", "1",
                                                "--via-sfd", "--backend", backend};
    if (name == "hypercall") // both backends where this host has them
        return quick ? std::vector<std::string>{"--runs", "3", "--count", "20000"}
                     : std::vector<std::string>{"--runs", "1", "--count", "200"};
    if (name == "storm")
        return quick ? std::vector<std::string>{"-n",
                                                "1000",
                                                "--rounds",
                                                "3",
                                                "--cpu-seconds",
                                                "2",
                                                "--settle-seconds",
                                                "0.5",
                                                "--backend",
                                                backend}
                     : std::vector<std::string>{
                           "-n",  "20",        "--rounds", "2", "--cpu-seconds", "0.2", "--settle-seconds",
                           "0.1", "--backend", backend};
    if (name == "store")
        return quick ? std::vector<std::string>{"--seconds", "1",    "--runs",     "3",
                                                "--guests",  "2000", "--watchers", "2000"}
                     : std::vector<std::string>{"--seconds", "0.1",        "--runs", "1",         "--guests",
                                                "100",       "--watchers", "100",    "--clients", "1"};
    if (name == "net")
        return quick ? std::vector<std::string>{"--duration", "2", "--runs", "3", "--backend", backend}
                     : std::vector<std::string>{"--duration",   "1",  "--runs",    "1",
                                                "--ping-count", "20", "--backend", backend};
    // migrate
    return quick
               ? std::vector<std::string>{"--guests-on-source", "1,100", "--runs", "3", "--backend", backend}
               : std::vector<std::string>{"--guests-on-source", "1", "--runs", "1", "--backend", backend};
}

struct ChildRun {
    int status = -1; // exit status; -1 killed (or timed out)
    bool timed_out = false;
    std::string stdout_text;
};

// Runs argv (argv[0] a path) with stdout on a pipe, stderr ours, to its end or `timeout`.
Result<ChildRun> run_child(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return error("pipe: {}", std::strerror(errno));
    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return error("fork: {}", std::strerror(errno));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        ::dup2(fds[1], STDOUT_FILENO);
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    ChildRun run;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (char buffer[4096];;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            run.timed_out = true;
            ::kill(pid, SIGTERM);
            break;
        }
        pollfd pfd{fds[0], POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n > 0) run.stdout_text.append(buffer, static_cast<size_t>(n));
        if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

BenchOutcome run_benchmark(const std::string& self, const std::string& name, const AllOptions& o) {
    BenchOutcome out;
    out.name = name;
    if (needs_root(name) && ::geteuid() != 0) {
        out.skipped = "needs root (network namespaces)";
        return out;
    }
    out.command = {self, name, "--json"};
    for (const std::string& a : arguments(name, o.size, o.backend))
        out.command.push_back(a);
    fmt::print(stderr, "sf-bench all: {} ...\n", name);
    const auto start = std::chrono::steady_clock::now();
    auto run = run_child(out.command, std::chrono::seconds(o.size == "quick" ? 900 : 120));
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!run) {
        out.status = -1;
        out.error = run.error().message;
        return out;
    }
    out.status = run->status;
    try {
        out.result = nlohmann::json::parse(run->stdout_text);
    } catch (const nlohmann::json::exception&) {
        out.error = "its stdout is not one JSON value";
    }
    if (run->timed_out)
        out.error = "timed out";
    else if (out.status != 0 && out.error.empty())
        out.error = out.status < 0 ? "killed by a signal" : fmt::format("exited with status {}", out.status);
    return out;
}

Machine read_machine(const std::string& backend) {
    Machine m;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::ostringstream text;
    text << cpuinfo.rdbuf();
    m.cpu_model = parse_cpu_model(text.str());
    m.cores = static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    utsname name{};
    if (::uname(&name) == 0) m.kernel = name.release;
    if (auto total = mem_total()) m.memory_kib = *total / 1024;
    m.backend = backend;
    return m;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

void print_figures(const nlohmann::ordered_json& document) {
    for (const auto& [name, entry] : document["benchmarks"].items()) {
        if (entry.contains("skipped"))
            fmt::print("{}: skipped ({})\n", name, entry["skipped"].get<std::string>());
        else if (entry.contains("error"))
            fmt::print("{}: FAILED ({})\n", name, entry["error"].get<std::string>());
    }
    for (const auto& [path, figure] : document["figures"].items())
        fmt::print("{:<60} {:>14} {}\n", path, figure["value"].dump(),
                   figure["better"].is_null() ? ""
                                              : "(" + figure["better"].get<std::string>() + " is better)");
}

int run(const AllOptions& o) {
    for (const std::string& name : o.only)
        if (std::find(kNames.begin(), kNames.end(), name) == kNames.end()) {
            fmt::print(
                stderr,
                "sf-bench all: no benchmark '{}' (one of boot, hypercall, storm, store, net, migrate)\n",
                name);
            return 2;
        }
    vmm::BackendOptions backend_options;
    backend_options.choice = *vmm::parse_backend_choice(o.backend);
    auto backend = vmm::open_backend(backend_options);
    if (!backend) {
        fmt::print(stderr, "sf-bench all: {}\n", backend.error().message);
        return 1;
    }
    AllOptions resolved = o;
    resolved.backend = std::string(vmm::backend_name((*backend)->kind()));
    backend->reset(); // the children open their own
    std::error_code ec;
    const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    InterruptGuard guard;
    std::vector<BenchOutcome> outcomes;
    for (const std::string& name : kNames) {
        if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), name) == o.only.end()) continue;
        outcomes.push_back(run_benchmark(self, name, resolved));
        if (interrupted()) {
            fmt::print(stderr, "sf-bench all: interrupted\n");
            return 130;
        }
    }
    const nlohmann::ordered_json document =
        all_document(read_machine(resolved.backend), SF_BENCH_COMMIT, utc_now(), o.size, outcomes);
    if (o.json)
        fmt::print("{}\n", document.dump(2));
    else
        print_figures(document);
    const bool all_ok = std::all_of(outcomes.begin(), outcomes.end(), [](const BenchOutcome& b) {
        return !b.skipped.empty() || (b.status == 0 && b.error.empty());
    });
    return all_ok ? 0 : 1;
}

} // namespace

void add_all_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<AllOptions>();
    CLI::App* cmd = app.add_subcommand(
        "all", "Every benchmark at a quick size, as child runs of this binary; one JSON document with the "
               "machine, the commit, the date and every figure (compare two with bench/compare.py)");
    cmd->add_flag("--json", o->json, "Print the document (else a list of the figures)");
    cmd->add_option(
           "--size", o->size,
           "quick: a few minutes in all; smoke: seconds, a test of the harness (not figures to quote)")
        ->check(CLI::IsMember({"quick", "smoke"}))
        ->capture_default_str();
    cmd->add_option("--only", o->only,
                    "Run only these benchmarks, NAME[,NAME...]: boot, hypercall, storm, "
                    "store, net, migrate (net and migrate need root)")
        ->delimiter(',');
    cmd->add_option("--backend", o->backend, "How guests run, for every benchmark: kvm, process or auto")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
