// sfctl run IMAGE [--mem SIZE] [--cmdline ARGS] [--timeout DURATION] [--name NAME] [--backend
// kvm|process|auto]
//           [--kvm DEV] [--timings]
//
// Exit status: the guest's own (0-255); 124 when the timeout passed; 125 when
// the guest crashed; 126 when it could not be started (bad image or options,
// no backend). Every failure prints one line on stderr.
#include "cli/run_command.h"

#include "common/units.h"
#include "superfluid/abi.h"
#include "vmm/foreground.h"
#include "vmm/guest.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

namespace sf::cli {
namespace {

constexpr int kExitTimedOut = 124;
constexpr int kExitCrashed = 125;
constexpr int kExitCannotStart = 126;

struct RunOptions {
    std::string image;
    std::string mem = "4M";
    std::string cmdline;
    std::string timeout;
    std::string name;
    std::string backend = "auto";
    std::string kvm_device = "/dev/kvm";
    bool timings = false;
};

// Copies console bytes to stdout and notes when the first one arrived.
class StdoutConsole final : public vmm::ConsoleSink {
  public:
    void write(std::span<const uint8_t> bytes) override {
        if (first_byte_ns == 0) first_byte_ns = vmm::host_monotonic_ns();
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
            if (n <= 0) return; // stdout closed: drop the console, keep the guest
            done += static_cast<size_t>(n);
        }
    }
    uint64_t first_byte_ns = 0;
};

void fail(const std::string& message) {
    fmt::print(stderr, "sfctl run: {}\n", message);
}

Result<vmm::GuestConfig> make_config(const RunOptions& options) {
    vmm::GuestConfig config;
    SF_TRY_ASSIGN(config.mem_size, parse_size(options.mem));
    config.cmdline = options.cmdline;
    config.name =
        options.name.empty() ? std::filesystem::path(options.image).filename().string() : options.name;
    SF_TRY(config.validate());
    return config;
}

int report(const vmm::ForegroundResult& result, const RunOptions& options) {
    switch (result.kind) {
    case vmm::ForegroundResult::Kind::Exited: return result.status & 0xff;
    case vmm::ForegroundResult::Kind::Faulted:
        fail(fmt::format("guest crashed: {}", result.reason));
        return kExitCrashed;
    case vmm::ForegroundResult::Kind::TimedOut:
        fail(fmt::format("guest stopped: timeout of {} passed", options.timeout));
        return kExitTimedOut;
    }
    return kExitCrashed;
}

int run(const RunOptions& options) {
    const uint64_t start_ns = vmm::host_monotonic_ns();
    std::optional<std::chrono::nanoseconds> timeout;
    if (!options.timeout.empty()) {
        auto parsed = parse_duration(options.timeout);
        if (!parsed) return fail(parsed.error().message), kExitCannotStart;
        timeout = *parsed;
    }
    auto config = make_config(options);
    if (!config) return fail(config.error().message), kExitCannotStart;
    auto image = vmm::Image::load_file(options.image);
    if (!image) return fail(image.error().message), kExitCannotStart;
    if (auto fits = image->fits(config->mem_size, SF_STACK_SIZE + SF_PAGE_SIZE); !fits)
        return fail(fits.error().message), kExitCannotStart;
    vmm::BackendOptions backend_options;
    backend_options.choice = *vmm::parse_backend_choice(options.backend);
    backend_options.kvm_device = options.kvm_device;
    auto backend = vmm::open_backend(backend_options);
    if (!backend) return fail(backend.error().message), kExitCannotStart;
    StdoutConsole console;
    auto guest = vmm::Guest::create(*backend, *image, *config, console);
    if (!guest) return fail(guest.error().message), kExitCannotStart;
    auto result = vmm::run_foreground(**guest, timeout);
    if (!result) return fail(result.error().message), kExitCrashed;
    const uint64_t end_ns = vmm::host_monotonic_ns();
    int code = report(*result, options);
    if (options.timings) {
        double first = console.first_byte_ns ? double(console.first_byte_ns - start_ns) / 1e6 : -1;
        fmt::print(stderr,
                   "sfctl run: {}: first output {:.3f} ms, ended {:.3f} ms after the request, status {}\n",
                   config->name, first, double(end_ns - start_ns) / 1e6, code);
    }
    return code;
}

} // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Run one guest in the foreground, its console on stdout");
    cmd->add_option("image", options->image, "Guest image (static x86-64 ELF)")->required();
    cmd->add_option("--mem", options->mem, "Guest memory, e.g. 4M, 64MiB (4 KiB multiple, 2 MiB to 4 GiB)")
        ->capture_default_str();
    cmd->add_option("--cmdline", options->cmdline, "Command line passed to the guest");
    cmd->add_option("--timeout", options->timeout,
                    "Stop the guest after this long, e.g. 500ms, 10s (exit 124)");
    cmd->add_option("--name", options->name, "Guest name (default: the image's file name)");
    cmd->add_option(
           "--backend", options->backend,
           "How the guest runs: kvm (a VM), process (a sandboxed process; weaker isolation), or auto "
           "(kvm where usable, else process)")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    cmd->add_option("--kvm", options->kvm_device, "KVM device")->capture_default_str();
    cmd->add_flag("--timings", options->timings, "Print time to first output and to the end on stderr");
    cmd->footer("Exit status: the guest's; 124 timeout; 125 guest crashed; 126 could not start.\n");
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

} // namespace sf::cli
