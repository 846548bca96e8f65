// sf-bench net: see net_bench.h.
//
// Phases: (outside a namespace: run again under scripts/testns); start sfd,
// its network and guests; start sf-hostnet; then R runs, each measuring ping,
// UDP and HTTP against the guests and against sf-hostnet, alternating which
// side goes first; report. The targets' destructors destroy the guests and
// stop sfd and sf-hostnet on every exit path, including Ctrl-C (checked
// between measurements).
#include "bench/net/net_bench.h"

#include "bench/common/interrupts.h"
#include "bench/common/private_netns.h"
#include "bench/net/net_measure.h"
#include "bench/net/net_report.h"
#include "bench/net/net_targets.h"

#include "common/executable_path.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

namespace sf::bench {
namespace {

struct NetOptions {
    bool json = false;
    int runs = 3;
    MeasureOptions measure;
    std::string sfd, hostnet, guests_dir;
    std::vector<std::string> sfd_args = {"--workers", "1"};
    std::string backend = "auto"; // our sfd's --backend
};

using Measurement = std::function<Result<void>(uint32_t, const MeasureOptions&, NetSamples&)>;

struct Step {
    const char* name;
    Measurement measure;
};

class Bench {
  public:
    Bench(const NetOptions& o, GuestTargets& guests, HostTarget& host)
        : o_(o), guests_(guests), hostnet_(host) {}

    // Runs every measurement `runs` times; false if interrupted.
    Result<bool> run_all() {
        const Step steps[] = {{"ping", measure_ping}, {"udp echo", measure_udp}, {"http", measure_http}};
        for (int run = 0; run < o_.runs; ++run)
            for (const Step& step : steps) {
                const bool host_first = run % 2 == 1;
                for (int k = 0; k < 2; ++k) {
                    if (interrupted()) return false;
                    SF_TRY(measure_side(step, run, (k == 0) == host_first));
                }
            }
        return true;
    }
    const NetSamples& guest_samples() const { return guest_samples_; }
    const NetSamples& host_samples() const { return host_samples_; }

  private:
    Result<void> measure_side(const Step& step, int run, bool host_side) {
        std::string why;
        if (!guests_.alive(why) || !hostnet_.alive(why)) return error("{}", why);
        const uint32_t ip = host_side ? hostnet_.ip() : guest_ip(step);
        fmt::print(stderr, "sf-bench net: run {}/{}: {} against the {}\n", run + 1, o_.runs, step.name,
                   host_side ? "host process" : "guest");
        return step.measure(ip, o_.measure, host_side ? host_samples_ : guest_samples_);
    }
    uint32_t guest_ip(const Step& step) const {
        const std::string name = step.name;
        if (name == "ping") return guests_.ping_ip();
        return name == "http" ? guests_.http_ip() : guests_.udp_ip();
    }

    const NetOptions& o_;
    GuestTargets& guests_;
    HostTarget& hostnet_;
    NetSamples guest_samples_, host_samples_;
};

Result<int> run_inside(const NetOptions& o) {
    GuestTargetOptions guest_options;
    guest_options.sfd = o.sfd;
    guest_options.sfd_args = o.sfd_args;
    guest_options.sfd_args.insert(guest_options.sfd_args.end(), {"--backend", o.backend});
    guest_options.guests_dir = o.guests_dir;
    fmt::print(stderr, "sf-bench net: starting sfd, network {} ({}), guests ping, udpecho, httpd\n",
               guest_options.network, guest_options.subnet);
    SF_TRY_ASSIGN(auto guests, GuestTargets::start(guest_options));
    HostTargetOptions host_options;
    host_options.binary = o.hostnet;
    fmt::print(stderr, "sf-hostnet: starting on TAP {} ({})\n", host_options.tap, host_options.host_address);
    SF_TRY_ASSIGN(auto host, HostTarget::start(host_options));
    Bench bench(o, *guests, *host);
    SF_TRY_ASSIGN(bool finished, bench.run_all());
    if (!finished) {
        fmt::print(stderr, "sf-bench net: interrupted\n");
        return 130;
    }
    const NetFigures figures =
        summarize_net(bench.guest_samples(), bench.host_samples(), o.runs, o.measure.duration_s);
    std::FILE* text_out = o.json ? stderr : stdout;
    fmt::print(text_out, "sf-bench net: {} runs; guests in sfd on {}; host process sf-hostnet on {}\n{}",
               o.runs, guest_options.subnet, host_options.host_address, format_text(figures));
    if (o.json) {
        nlohmann::json json = to_json(figures);
        json["backend"] = o.backend;
        fmt::print("{}\n", json.dump());
    }
    return 0;
}

void default_paths(NetOptions& o) {
    if (o.sfd.empty()) o.sfd = beside_executable("sfd").string();
    if (o.hostnet.empty()) o.hostnet = beside_executable("sf-hostnet").string();
    if (o.guests_dir.empty()) o.guests_dir = beside_executable("../guests").string();
    std::error_code ec;
    o.guests_dir = std::filesystem::absolute(o.guests_dir, ec).lexically_normal().string();
}

int run(NetOptions o) {
    if (::geteuid() != 0) {
        fmt::print(stderr, "sf-bench net: must run as root (TAP devices, network namespaces)\n");
        return 1;
    }
    Result<int> status = 0;
    if (!inside_testns()) {
        status = rerun_inside_testns("sf-bench net");
    } else {
        default_paths(o);
        InterruptGuard guard;
        status = run_inside(o);
    }
    if (!status) {
        fmt::print(stderr, "sf-bench net: {}\n", status.error().message);
        return 1;
    }
    return *status;
}

} // namespace

void add_net_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<NetOptions>();
    CLI::App* cmd = app.add_subcommand(
        "net",
        "Guest networking (ping, UDP echo, HTTP) against sf-hostnet, the same stack and apps as a host "
        "process; root, inside a private network namespace (scripts/testns; entered by itself)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout (the table goes to stderr)");
    cmd->add_option("--backend", o->backend, "Our sfd's --backend: kvm, process or auto")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    cmd->add_option("--duration", o->measure.duration_s, "Seconds of each UDP and HTTP measurement")
        ->check(CLI::Range(1.0, 600.0))
        ->capture_default_str();
    cmd->add_option("--runs", o->runs, "Runs of every measurement (medians are reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--ping-count", o->measure.ping_count, "Echo requests per ping run")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--udp-window", o->measure.udp_window, "UDP datagrams in flight")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cmd->add_option("--wrk-connections", o->measure.wrk_connections, "wrk's open connections")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd->add_option("--sfd", o->sfd, "sfd binary to start (default: sfd beside this binary)");
    cmd->add_option("--sfd-arg", o->sfd_args, "Arguments for sfd, once per word (default: --workers 1)")
        ->allow_extra_args(false);
    cmd->add_option("--hostnet", o->hostnet, "sf-hostnet binary (default: beside this binary)");
    cmd->add_option("--guests", o->guests_dir, "Directory of the guest images (default: ../guests)");
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
