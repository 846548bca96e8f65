// sf-bench migrate: test hosts and their daemons; see migrate_hosts.h.
#include "bench/migrate/migrate_hosts.h"

#include "bench/common/sfd_client.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

namespace sf::bench {
namespace {

constexpr std::chrono::seconds kScriptTimeout{60};

} // namespace

Result<std::string> TestHosts::run(std::vector<std::string> words) const {
    words.insert(words.begin(), script_);
    SF_TRY_ASSIGN(CommandOutput out, run_command(words, kScriptTimeout));
    if (out.exit_status != 0 || out.timed_out) {
        std::string command;
        for (const std::string& w : words)
            command += (command.empty() ? "" : " ") + w;
        return error("{} {} :\n{}", command,
                     out.timed_out ? "timed out" : fmt::format("exited with {}", out.exit_status),
                     out.output);
    }
    return std::move(out.output);
}

Result<std::unique_ptr<TestHosts>> TestHosts::up(const std::string& script, const std::string& name,
                                                 int hosts, const LinkShaping& shaping) {
    std::unique_ptr<TestHosts> t(new TestHosts(script, name));
    t->up_ = true; // from here on the destructor runs `down`, even after a half-done `up`
    std::vector<std::string> words{"up",     "--name",    name, "--hosts", std::to_string(hosts),
                                   "--rate", shaping.rate};
    if (shaping.delay_ms > 0)
        words.insert(words.end(), {"--delay", fmt::format("{}us", std::llround(shaping.delay_ms * 1000))});
    if (shaping.icmp_band) words.push_back("--icmp-band");
    SF_TRY(t->run(words));
    SF_TRY_ASSIGN(std::string text, t->run({"env", "--name", name}));
    SF_TRY_ASSIGN(t->env_, read_testhosts_env(parse_env_lines(text), hosts));
    return t;
}

TestHosts::~TestHosts() {
    if (!up_) return;
    if (auto down = run({"down", "--name", name_}); !down)
        fmt::print(stderr, "sf-bench migrate: {}\n", down.error().message);
}

Result<void> TestHosts::attach(int host, const std::string& iface) {
    SF_TRY(run({"attach", "--name", name_, fmt::format("h{}", host), iface}));
    return ok();
}

Result<void> TestHosts::client_address(const std::string& cidr) {
    SF_TRY(run({"addr", "--name", name_, "client", cidr}));
    return ok();
}

Result<std::unique_ptr<HostDaemon>> HostDaemon::start(const HostDaemonOptions& o) {
    if (::mkdir(o.dir.c_str(), 0700) != 0 && errno != EEXIST)
        return error("mkdir {}: {}", o.dir, std::strerror(errno));
    std::unique_ptr<HostDaemon> d(new HostDaemon);
    d->socket_path_ = o.dir + "/sfd.sock";
    std::vector<std::string> argv{
        "ip", "netns", "exec", o.ns, o.sfd, "--socket", d->socket_path_, "--state-dir", o.dir + "/state"};
    if (!o.listen.empty())
        argv.insert(argv.end(), {"--migrate-listen", o.listen, "--migrate-token-file", o.token_file});
    argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
    SF_TRY_ASSIGN(d->process_, ChildProcess::start(argv, o.dir + "/sfd.log", "sfd@" + o.ns));
    SfdClient client(d->socket_path_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!d->process_->running())
            return error("sfd in {} {} before answering\n{}", o.ns, d->process_->describe_exit(),
                         d->log_tail(10));
        if (client.host()) return d;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return error("sfd in {} did not answer on {} within 10 s\n{}", o.ns, d->socket_path_, d->log_tail(10));
}

HostDaemon::~HostDaemon() {
    if (process_ && process_->running()) stop();
}

std::string HostDaemon::stop() {
    process_->stop(std::chrono::seconds(10));
    if (process_->exited_cleanly()) return "";
    return fmt::format("{}\n{}", process_->describe_exit(), log_tail(10));
}

} // namespace sf::bench
