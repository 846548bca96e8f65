// sf-bench net: see net_bench.h.
//
// Phases: (outside a namespace: run again under scripts/testns); start sfd,
// its network and guests; start sf-hostnet and sf-linuxnet; then R runs,
// each measuring ping, UDP and HTTP against the guests, sf-hostnet and
// sf-linuxnet, rotating which side goes first; report. The targets'
// destructors destroy the guests and stop sfd, sf-hostnet and sf-linuxnet on
// every exit path, including Ctrl-C (checked between measurements).
#include "bench/net/net_bench.h"

#include "bench/common/interrupts.h"
#include "bench/common/private_netns.h"
#include "bench/net/linux_target.h"
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
    std::string sfd, hostnet, linuxnet, guests_dir;
    std::vector<std::string> sfd_args = {"--workers", "1"};
    std::string backend = "auto"; // our sfd's --backend
};

using Measurement = std::function<Result<void>(uint32_t, const MeasureOptions&, NetSamples&)>;

struct Step {
    const char* name;
    Measurement measure;
    int NetSamples::*failed;
};

enum class Side { Guest, Host, Linux };
constexpr Side kSides[] = {Side::Guest, Side::Host, Side::Linux};

const char* side_name(Side side) {
    switch (side) {
    case Side::Guest: return "guest";
    case Side::Host: return "host process";
    default: return "Linux stack";
    }
}

class Bench {
  public:
    Bench(const NetOptions& o, GuestTargets& guests, HostTarget& host, LinuxTarget& linux_stack)
        : o_(o), guests_(guests), hostnet_(host), linuxnet_(linux_stack) {}

    // Runs every measurement `runs` times against the three sides, the side
    // that goes first rotating from run to run; false if interrupted. A
    // measurement that fails is counted on its side and the run goes on; a
    // target that died ends it.
    Result<bool> run_all() {
        const Step steps[] = {{"ping", measure_ping, &NetSamples::ping_failed},
                              {"udp echo", measure_udp, &NetSamples::udp_failed},
                              {"http", measure_http, &NetSamples::http_failed}};
        for (int run = 0; run < o_.runs; ++run)
            for (const Step& step : steps)
                for (size_t k = 0; k < std::size(kSides); ++k) {
                    if (interrupted()) return false;
                    SF_TRY(measure_side(step, run, kSides[(size_t(run) + k) % std::size(kSides)]));
                }
        return true;
    }
    const NetSamples& samples(Side side) const { return samples_[size_t(side)]; }

  private:
    Result<void> measure_side(const Step& step, int run, Side side) {
        std::string why;
        if (!guests_.alive(why) || !hostnet_.alive(why) || !linuxnet_.alive(why)) return error("{}", why);
        fmt::print(stderr, "sf-bench net: run {}/{}: {} against the {}\n", run + 1, o_.runs, step.name,
                   side_name(side));
        NetSamples& samples = samples_[size_t(side)];
        if (auto measured = step.measure(ip_of(step, side), o_.measure, samples); !measured) {
            ++(samples.*step.failed);
            fmt::print(stderr, "sf-bench net: run {}/{}: {} against the {} FAILED (counted, left out): {}\n",
                       run + 1, o_.runs, step.name, side_name(side), measured.error().message);
        }
        return ok();
    }
    uint32_t ip_of(const Step& step, Side side) const {
        if (side == Side::Host) return hostnet_.ip();
        if (side == Side::Linux) return linuxnet_.ip();
        const std::string name = step.name;
        if (name == "ping") return guests_.ping_ip();
        return name == "http" ? guests_.http_ip() : guests_.udp_ip();
    }

    const NetOptions& o_;
    GuestTargets& guests_;
    HostTarget& hostnet_;
    LinuxTarget& linuxnet_;
    NetSamples samples_[std::size(kSides)];
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
    LinuxTargetOptions linux_options;
    linux_options.binary = o.linuxnet;
    fmt::print(stderr, "sf-linuxnet: starting behind veth {} ({})\n", linux_options.veth,
               linux_options.host_address);
    SF_TRY_ASSIGN(auto linux_stack, LinuxTarget::start(linux_options));
    Bench bench(o, *guests, *host, *linux_stack);
    SF_TRY_ASSIGN(bool finished, bench.run_all());
    if (!finished) {
        fmt::print(stderr, "sf-bench net: interrupted\n");
        return 130;
    }
    const NetFigures figures = summarize_net(bench.samples(Side::Guest), bench.samples(Side::Host),
                                             bench.samples(Side::Linux), o.runs, o.measure.duration_s);
    std::FILE* text_out = o.json ? stderr : stdout;
    fmt::print(text_out,
               "sf-bench net: {} runs; guests in sfd on {}; host process: sf-hostnet (our stack) on {}; "
               "Linux: sf-linuxnet (the kernel's stack) behind a veth at {}\n{}",
               o.runs, guest_options.subnet, host_options.host_address, linux_options.host_address,
               format_text(figures));
    if (o.json) {
        nlohmann::json json = to_json(figures);
        json["backend"] = o.backend;
        fmt::print("{}\n", json.dump());
    }
    if (figures.failed() > 0) {
        fmt::print(stderr, "sf-bench net: {} failed rounds (see above): exit status 1\n", figures.failed());
        return 1;
    }
    return 0;
}

void default_paths(NetOptions& o) {
    if (o.sfd.empty()) o.sfd = beside_executable("sfd").string();
    if (o.hostnet.empty()) o.hostnet = beside_executable("sf-hostnet").string();
    if (o.linuxnet.empty()) o.linuxnet = beside_executable("sf-linuxnet").string();
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
        "Guest networking (ping, UDP echo, HTTP) against two baselines in the same run: sf-hostnet, the "
        "same stack and apps as a host process, and sf-linuxnet, Linux's kernel stack with an epoll server "
        "answering alike; failed rounds are counted (exit status 1). Root, inside a private network "
        "namespace (scripts/testns; entered by itself)");
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
    cmd->add_option("--linuxnet", o->linuxnet, "sf-linuxnet binary (default: beside this binary)");
    cmd->add_option("--guests", o->guests_dir, "Directory of the guest images (default: ../guests)");
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
