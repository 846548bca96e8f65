// sf-bench migrate: see migrate_bench.h.
#include "bench/migrate/migrate_bench.h"

#include "bench/common/interrupts.h"
#include "bench/common/progress_bar.h"
#include "bench/common/sfd_client.h"
#include "bench/migrate/migrate_hosts.h"
#include "bench/migrate/migrate_netns.h"
#include "bench/migrate/migrate_plot.h"
#include "bench/migrate/migrate_run.h"

#include "common/executable_path.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

namespace sf::bench {
namespace {

struct MigrateOptions {
    std::vector<int> ks = {1, 10, 100, 1000};
    std::string rate = "10gbit";
    double delay_ms = 0;            // netem delay, each direction of each host link
    std::string ping_path = "band"; // band: ICMP in its own htb class; shared: in the tbf's queue
    int runs = 5;
    bool json = false;
    std::string plot;
    std::string sfd, guests_dir, testhosts;
    std::vector<std::string> sfd_args;
    std::string backend = "auto"; // the sfds' --backend
    int ping_interval_us = 200;
    bool dry_run = false;
    std::string network = "edge", subnet = "10.77.0.0/24", client_cidr = "10.77.0.250/24";
    std::string mem = "4M";
    int migrate_port = 7440;
};

// The bench's private directory (sfds' sockets, state and logs, the token),
// removed at the end.
class WorkDir {
  public:
    static Result<std::unique_ptr<WorkDir>> create() {
        const char* tmp = std::getenv("TMPDIR");
        std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sf-migrate-XXXXXX";
        if (::mkdtemp(path.data()) == nullptr) return error("mkdtemp {}: {}", path, std::strerror(errno));
        return std::unique_ptr<WorkDir>(new WorkDir(std::move(path)));
    }
    ~WorkDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    explicit WorkDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

Result<std::string> write_token(const std::string& dir) {
    std::random_device random;
    std::string token;
    for (int i = 0; i < 8; ++i)
        token += fmt::format("{:08x}", random());
    const std::string path = dir + "/migrate.token";
    std::ofstream out(path);
    out << token << '\n';
    out.close();
    if (!out || ::chmod(path.c_str(), 0600) != 0) return error("cannot write {}", path);
    return path;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return fmt::format("{} {} {}", one, five, fifteen);
}

// Everything that lives for one K, destroyed in reverse order: the daemons
// (stopping their guests) before the hosts, the hosts before the directory.
struct HostSet {
    std::unique_ptr<WorkDir> dir;
    std::unique_ptr<TestHosts> hosts;
    std::unique_ptr<HostDaemon> source, dest;
};

Result<std::unique_ptr<HostDaemon>> start_daemon(const MigrateOptions& o, const HostSet& set, int host,
                                                 const std::string& token) {
    HostDaemonOptions d;
    d.sfd = o.sfd;
    d.ns = set.hosts->env().host_ns.at(static_cast<size_t>(host - 1));
    d.dir = fmt::format("{}/h{}", set.dir->path(), host);
    if (!o.dry_run) {
        d.listen = fmt::format("{}:{}", set.hosts->env().host_addr.at(static_cast<size_t>(host - 1)),
                               o.migrate_port);
        d.token_file = token;
    }
    d.extra_args = o.sfd_args;
    d.extra_args.insert(d.extra_args.end(), {"--backend", o.backend});
    if (!o.dry_run) // every host may send to every other (sfd refuses migrations to anything else)
        for (const std::string& peer : set.hosts->env().host_addr)
            d.extra_args.insert(d.extra_args.end(),
                                {"--migrate-peer", fmt::format("{}:{}", peer, o.migrate_port)});
    SF_TRY_ASSIGN(auto daemon, HostDaemon::start(d));
    SfdClient client(daemon->socket_path());
    SF_TRY(client.create_network(o.network, o.subnet));
    return daemon;
}

LinkShaping shaping_of(const MigrateOptions& o) {
    return LinkShaping{o.rate, o.delay_ms, o.ping_path == "band"};
}

Result<void> set_up(const MigrateOptions& o, int index, HostSet& set) {
    SF_TRY_ASSIGN(set.dir, WorkDir::create());
    SF_TRY_ASSIGN(std::string token, write_token(set.dir->path()));
    const std::string name = fmt::format("sfm{}{}", ::getpid() % 10000, index);
    fmt::print(stderr, "sf-bench migrate: test hosts {} at {}{}, pings {} ({})\n", name, o.rate,
               o.delay_ms > 0 ? fmt::format(", delay {:g} ms", o.delay_ms) : "",
               o.ping_path == "band" ? "in their own ICMP band" : "in the shared queue", o.testhosts);
    SF_TRY_ASSIGN(set.hosts, TestHosts::up(o.testhosts, name, 2, shaping_of(o)));
    SF_TRY(run_command({"ip", "netns", "exec", set.hosts->env().client_ns, "sysctl", "-qw",
                        "net.ipv4.ping_group_range=0 2147483647"},
                       std::chrono::seconds(10)));
    SF_TRY_ASSIGN(set.source, start_daemon(o, set, 1, token));
    SF_TRY_ASSIGN(set.dest, start_daemon(o, set, 2, token));
    SF_TRY(set.hosts->attach(1, o.network));
    SF_TRY(set.hosts->attach(2, o.network));
    SF_TRY(set.hosts->client_address(o.client_cidr));
    return ok();
}

// K - 1 idle guests on the source; false if interrupted.
Result<bool> create_idle_guests(const MigrateOptions& o, const HostSet& set, int count) {
    SfdClient client(set.source->socket_path());
    ProgressBar progress("sf-bench migrate: idle guests", static_cast<size_t>(count),
                         ProgressBar::stderr_is_tty());
    for (int i = 0; i < count; ++i) {
        if (interrupted()) return false;
        GuestRequest request;
        request.name = fmt::format("idle{}", i + 1);
        request.image = o.guests_dir + "/idle";
        request.mem = o.mem;
        if (auto created = client.create_guest(request); !created) {
            progress.finish();
            return error("idle guest {}: {}", i + 1, created.error().message);
        }
        progress.update(static_cast<size_t>(i + 1), 0);
    }
    progress.finish();
    return true;
}

void print_sample(const MigrateOptions& o, int k, int run, const MigrateSample& m) {
    if (!m.ok) {
        fmt::print(stderr, "sf-bench migrate: K={} run {}/{}: FAILED: {}\n", k, run + 1, o.runs, m.error);
        return;
    }
    fmt::print(
        stderr,
        "sf-bench migrate: K={} run {}/{}: total {:.3f} ms, downtime {} ms (at {:.1f}-{:.1f}; sfd: {:.3f} / "
        "{:.3f}), {} bytes in {} rounds, TCP gap {:.1f} ms, connection {}{}\n",
        k, run + 1, o.runs, m.total_ms, m.downtime_ms ? fmt::format("{:.3f}", *m.downtime_ms) : "-",
        m.gap_start_ms, m.gap_end_ms, m.server_total_ms, m.server_downtime_ms, m.bytes_sent, m.rounds,
        m.tcp_gap_ms, m.connection_kept ? "kept" : "LOST",
        m.connection_problem.empty() ? "" : ": " + m.connection_problem);
}

// One K: set up, runs, tear down (by the HostSet's destructors).
MigrateRow measure_k(const MigrateOptions& o, int k, int index) {
    MigrateRow row{k, {}};
    auto fail = [&](const std::string& why) {
        MigrateSample failed;
        failed.error = why;
        row.samples.push_back(failed);
        fmt::print(stderr, "sf-bench migrate: K={}: {}\n", k, why);
        return row;
    };
    fmt::print(stderr, "sf-bench migrate: K={}: load average {}\n", k, load_average());
    HostSet set;
    if (auto ready = set_up(o, index, set); !ready) return fail(ready.error().message);
    auto idle = create_idle_guests(o, set, k - 1);
    if (!idle || !*idle) return fail(idle ? "interrupted" : idle.error().message);
    RunSetup setup;
    setup.env = set.hosts->env();
    setup.source_socket = set.source->socket_path();
    setup.dest_socket = set.dest->socket_path();
    setup.dest_migrate = fmt::format("{}:{}", setup.env.host_addr.at(1), o.migrate_port);
    setup.image = o.guests_dir + "/kvcount";
    setup.mem = o.mem;
    setup.network = o.network;
    setup.subnet_base = parse_ipv4(o.subnet.substr(0, o.subnet.find('/'))).value();
    setup.ping_interval = std::chrono::microseconds(o.ping_interval_us);
    setup.dry_run = o.dry_run;
    for (int run = 0; run < o.runs && !interrupted(); ++run) {
        row.samples.push_back(migrate_once(setup, run));
        print_sample(o, k, run, row.samples.back());
        if (!set.source->running() || !set.dest->running()) return fail("an sfd ended during the run");
    }
    fmt::print(stderr, "sf-bench migrate: K={}: done, load average {}; tearing down\n", k, load_average());
    return row;
}

std::string today() {
    std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d", std::localtime(&now));
    return text;
}

int report(const MigrateOptions& o, const std::vector<MigrateRow>& rows) {
    std::vector<MigrateRowSummary> summaries;
    for (const MigrateRow& row : rows)
        summaries.push_back(summarize_row(row));
    const std::vector<TargetVerdict> verdicts = check_targets(o.rate, summaries);
    std::FILE* text_out = o.json ? stderr : stdout;
    fmt::print(text_out, "{}{}",
               o.dry_run ? "DRY RUN: pause 3 ms and resume on the source, no migration\n" : "",
               format_report(o.rate, summaries, verdicts));
    fmt::print(text_out, "{}", format_links(shaping_of(o), summaries));
    if (o.json) {
        nlohmann::json json = migrate_json(o.rate, rows);
        json["backend"] = o.backend;
        json["delay_ms"] = o.delay_ms;
        json["ping_path"] = o.ping_path;
        fmt::print("{}\n", json.dump());
    }
    if (!o.plot.empty()) {
        std::ofstream out(o.plot);
        out << render_svg(migrate_plot(o.rate, summaries, today()));
        out.close();
        if (!out) {
            fmt::print(stderr, "sf-bench migrate: cannot write {}\n", o.plot);
            return 1;
        }
        fmt::print(text_out, "  plot: {}\n", o.plot);
    }
    const bool all_ran = std::all_of(summaries.begin(), summaries.end(), [](const MigrateRowSummary& s) {
        return s.runs > 0 && s.succeeded == s.runs;
    });
    return all_ran ? 0 : 1;
}

Result<void> check_paths(MigrateOptions& o) {
    if (o.sfd.empty()) o.sfd = beside_executable("sfd").string();
    if (o.guests_dir.empty()) o.guests_dir = beside_executable("../guests").string();
    if (o.testhosts.empty()) {
        const char* env = std::getenv("SF_TESTHOSTS_SCRIPT");
        o.testhosts =
            env != nullptr && *env != '\0' ? env : beside_executable("../../scripts/testhosts").string();
    }
    std::error_code ec;
    o.guests_dir = std::filesystem::absolute(o.guests_dir, ec).lexically_normal().string();
    o.sfd = std::filesystem::absolute(o.sfd, ec).lexically_normal().string();
    for (const std::string& path : {o.sfd, o.testhosts, o.guests_dir + "/idle", o.guests_dir + "/kvcount"})
        if (::access(path.c_str(), path == o.sfd || path == o.testhosts ? X_OK : R_OK) != 0)
            return error("{}: {}", path, std::strerror(errno));
    return ok();
}

int run(MigrateOptions o) {
    if (::geteuid() != 0) {
        fmt::print(stderr, "sf-bench migrate: must run as root (network namespaces, TAP devices)\n");
        return 1;
    }
    if (auto paths = check_paths(o); !paths) {
        fmt::print(stderr, "sf-bench migrate: {}\n", paths.error().message);
        return 1;
    }
    InterruptGuard guard;
    std::vector<MigrateRow> rows;
    for (size_t i = 0; i < o.ks.size() && !interrupted(); ++i)
        rows.push_back(measure_k(o, o.ks[i], static_cast<int>(i)));
    if (interrupted()) {
        fmt::print(stderr, "sf-bench migrate: interrupted\n");
        return 130;
    }
    return report(o, rows);
}

} // namespace

void add_migrate_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<MigrateOptions>();
    CLI::App* cmd = app.add_subcommand(
        "migrate",
        "Live migration of a pinged, TCP-connected guest between two test hosts (scripts/testhosts), "
        "with K guests resident on the source; root");
    cmd->add_option("--guests-on-source", o->ks,
                    "Guests resident on the source, K[,K...] (the migrated one included)")
        ->delimiter(',')
        ->check(CLI::Range(1, 5000))
        ->capture_default_str();
    cmd->add_option("--rate", o->rate,
                    "Rate of the test hosts' links as shaped (a tc limit, e.g. 1gbit or 10gbit); the report "
                    "gives the throughput measured beside it")
        ->capture_default_str();
    cmd->add_option("--delay", o->delay_ms,
                    "Delay in ms added to each direction of each host link (netem under the rate limit), so "
                    "runs have a real RTT; needs sch_netem in the kernel")
        ->check(CLI::Range(0.0, 1000.0))
        ->capture_default_str();
    cmd->add_option("--ping-path", o->ping_path,
                    "band: the client's pings go in an ICMP class of their own on the shaped links (htb), so "
                    "their downtime does not queue behind the migration stream; shared: in the same queue")
        ->check(CLI::IsMember({"band", "shared"}))
        ->capture_default_str();
    cmd->add_option("--runs", o->runs, "Migrations per K (medians are reported)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout (the table goes to stderr)");
    cmd->add_option("--backend", o->backend, "The sfds' --backend: kvm, process or auto")
        ->check(CLI::IsMember({"auto", "kvm", "process"}))
        ->envname("SF_BACKEND")
        ->capture_default_str();
    cmd->add_option("--plot", o->plot,
                    "Write total_ms and downtime_ms against K as an SVG plot to this file");
    cmd->add_option("--ping-interval-us", o->ping_interval_us, "Between two echo requests of the client")
        ->check(CLI::Range(50, 100000))
        ->capture_default_str();
    cmd->add_option("--sfd", o->sfd, "sfd binary (default: sfd beside this binary)");
    cmd->add_option("--sfd-arg", o->sfd_args, "Extra argument for both sfds, once per word")
        ->allow_extra_args(false);
    cmd->add_option("--guests", o->guests_dir, "Directory of the guest images (default: ../guests)");
    cmd->add_option(
        "--testhosts", o->testhosts,
        "scripts/testhosts (default: $SF_TESTHOSTS_SCRIPT, or ../../scripts/testhosts beside this binary)");
    cmd->add_flag("--dry-run", o->dry_run,
                  "Pause the guest 3 ms and resume it on the source instead of migrating, and time a 2 MiB "
                  "transfer as the baseline (tests the bench itself)");
    cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

} // namespace sf::bench
