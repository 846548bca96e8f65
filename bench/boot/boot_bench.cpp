// sf-bench boot: see boot_bench.h.
//
// Each iteration measures, in turn: a guest (request = read and parse the
// image, create VM, vCPU and memory, load, run to exit), fork+exec and
// posix_spawn of sf-hello-host with stdout on a pipe. "First output" is when
// the first console byte reaches the monitor / the first byte reaches the
// pipe's reader; "exit" when the guest's exit hypercall returns / waitpid
// returns. Guest teardown (freeing the VM) is timed apart. With --via-sfd,
// a fourth: the same guest created through a running sfd (boot_via_sfd.h).
#include "bench/boot/boot_bench.h"
#include "bench/boot/boot_summary.h"
#include "bench/boot/boot_via_sfd.h"
#include "common/executable_path.h"

#include "bench/common/stats.h"
#include "vmm/foreground.h"
#include "vmm/guest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

extern char** environ;

namespace sf::bench {
namespace {

using vmm::host_monotonic_ns;

struct BootOptions {
    int runs = 200;
    int warmup = 5;
    bool json = false;
    std::string image;
    std::string host_program;
    std::string backend = "auto";
    std::string backend_used; // the kind auto chose
    bool via_sfd = false;
    std::string sfd; // with via_sfd: the binary (default: sfd beside this one)
};

using Samples = BootSamples;

double ms_since(uint64_t start_ns, uint64_t end_ns) {
    return static_cast<double>(end_ns - start_ns) / 1e6;
}

class FirstByteConsole final : public vmm::ConsoleSink {
  public:
    void write(std::span<const uint8_t> bytes) override {
        if (first_ns == 0 && !bytes.empty()) first_ns = host_monotonic_ns();
    }
    uint64_t first_ns = 0;
};

// One guest boot; appends to the guest samples unless `record` is false.
Result<void> boot_guest(const std::shared_ptr<const vmm::Backend>& backend, const BootOptions& options,
                        Samples& out, bool record) {
    FirstByteConsole console;
    vmm::GuestConfig config;
    config.name = "hello";
    const uint64_t start = host_monotonic_ns();
    SF_TRY_ASSIGN(vmm::Image image, vmm::Image::load_file(options.image));
    SF_TRY_ASSIGN(std::unique_ptr<vmm::Guest> guest, vmm::Guest::create(backend, image, config, console));
    SF_TRY_ASSIGN(vmm::ForegroundResult result, vmm::run_foreground(*guest, std::chrono::seconds(10)));
    const uint64_t exited = host_monotonic_ns();
    if (result.kind != vmm::ForegroundResult::Kind::Exited || result.status != 0 || console.first_ns == 0)
        return error("{} did not print and exit 0 (kind {}, status {}, {})", options.image,
                     static_cast<int>(result.kind), result.status, result.reason);
    guest.reset();
    const uint64_t freed = host_monotonic_ns();
    if (record) {
        out.guest_first.push_back(ms_since(start, console.first_ns));
        out.guest_exit.push_back(ms_since(start, exited));
        out.guest_teardown.push_back(ms_since(exited, freed));
    }
    return ok();
}

// Reads the child's stdout to EOF; returns the time its first byte arrived.
uint64_t drain_pipe(int fd) {
    uint64_t first = 0;
    char buffer[256];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0 && first == 0) first = host_monotonic_ns();
        if (n == 0 || (n < 0 && errno != EINTR)) return first;
    }
}

// One host process start, by fork+exec or posix_spawn, stdout on a pipe.
Result<void> boot_host(const BootOptions& options, bool use_spawn, std::vector<double>& first_out,
                       std::vector<double>& exit_out, bool record) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return error("pipe: {}", std::strerror(errno));
    char* argv[] = {const_cast<char*>(options.host_program.c_str()), nullptr};
    const uint64_t start = host_monotonic_ns();
    pid_t pid = -1;
    if (use_spawn) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
        int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) pid = -1;
    } else {
        pid = ::fork();
        if (pid == 0) {
            ::dup2(pipe_fds[1], STDOUT_FILENO);
            ::execve(argv[0], argv, environ);
            ::_exit(127);
        }
    }
    ::close(pipe_fds[1]);
    uint64_t first = pid > 0 ? drain_pipe(pipe_fds[0]) : 0;
    ::close(pipe_fds[0]);
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    const uint64_t exited = host_monotonic_ns();
    if (pid <= 0 || first == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return error("{} did not start, print and exit 0", options.host_program);
    if (record) {
        first_out.push_back(ms_since(start, first));
        exit_out.push_back(ms_since(start, exited));
    }
    return ok();
}

Result<Samples> measure(BootOptions& options) {
    vmm::BackendOptions backend_options;
    backend_options.choice = *vmm::parse_backend_choice(options.backend);
    SF_TRY_ASSIGN(std::shared_ptr<const vmm::Backend> backend, vmm::open_backend(backend_options));
    options.backend_used = vmm::backend_name(backend->kind());
    std::unique_ptr<SfdBooter> sfd;
    if (options.via_sfd) {
        SF_TRY_ASSIGN(sfd, SfdBooter::start(options.sfd, options.backend_used, options.image));
    }
    Samples samples;
    const bool progress = !options.json && ::isatty(STDERR_FILENO);
    for (int i = -options.warmup; i < options.runs; ++i) {
        const bool record = i >= 0;
        SF_TRY(boot_guest(backend, options, samples, record));
        if (sfd) {
            SF_TRY(sfd->boot(samples.sfd_request, samples.sfd_first_output, record));
        }
        SF_TRY(boot_host(options, false, samples.fork_first, samples.fork_exit, record));
        SF_TRY(boot_host(options, true, samples.spawn_first, samples.spawn_exit, record));
        if (progress && record) fmt::print(stderr, "\rsf-bench boot: run {}/{}", i + 1, options.runs);
    }
    if (progress) fmt::print(stderr, "\r\033[K");
    if (sfd)
        if (std::string ended = sfd->stop(); !ended.empty()) return error("{}", ended);
    return samples;
}

int run(BootOptions options) {
    if (options.image.empty()) options.image = beside_executable("../guests/hello").string();
    if (options.host_program.empty()) options.host_program = beside_executable("sf-hello-host").string();
    if (options.sfd.empty()) options.sfd = beside_executable("sfd").string();
    std::error_code ec;
    options.image = std::filesystem::absolute(options.image, ec).lexically_normal().string(); // for sfd
    auto samples = measure(options);
    if (!samples) {
        fmt::print(stderr, "sf-bench boot: {}\n", samples.error().message);
        return 1;
    }
    const BootRunInfo info{options.backend_used, options.image, options.runs, options.warmup,
                           options.via_sfd};
    if (options.json)
        fmt::print("{}\n", boot_json(info, *samples).dump(2));
    else
        fmt::print("{}", boot_text(info, *samples));
    return 0;
}

} // namespace

void add_boot_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<BootOptions>();
    CLI::App* cmd =
        app.add_subcommand("boot", "Time from request to a guest's first output, against fork+exec "
                                   "and posix_spawn of a static host program");
    cmd->add_option("--runs", options->runs, "Measured runs of each")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--warmup", options->warmup, "Unmeasured runs first")
        ->check(CLI::Range(0, 10000))
        ->capture_default_str();
    cmd->add_flag("--json", options->json, "Print one JSON object");
    cmd->add_option("--backend", options->backend, "How guests run: kvm, process or auto")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    cmd->add_option("--image", options->image,
                    "Guest image (default: build/guests/hello beside this binary)");
    cmd->add_flag("--via-sfd", options->via_sfd,
                  "Also create the same guest through an sfd started for the run (its shell pool warm): "
                  "POST /v1/guests with wait=output, timed to the 201, beside the cold in-process create");
    cmd->add_option("--sfd", options->sfd, "sfd binary for --via-sfd (default: sfd beside this binary)");
    cmd->add_option("--host-program", options->host_program,
                    "Static host program for the baseline (default: sf-hello-host beside this binary)");
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

} // namespace sf::bench
