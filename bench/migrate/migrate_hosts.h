// sf-bench migrate: the two test hosts and their daemons.
//
// TestHosts runs scripts/testhosts: `up` makes the hosts (network namespaces
// joined to one L2 segment by veth links shaped to a rate), `env` describes
// them, `attach` puts an sfd uplink TAP on the segment, `addr` gives the
// client namespace an address; the destructor runs `down`, on every exit
// path (the bench's Ctrl-C handling ends its work first).
//
// HostDaemon is an sfd started inside one host's namespace (`ip netns exec`,
// which execs sfd: the child is sfd itself) with its own --socket and
// --state-dir in a directory of the bench's, and the migration options when
// asked; it never outlives sf-bench (parent-death signal) and is stopped by
// its destructor (SIGTERM: sfd stops its guests).
//
// Threading: one thread at a time per object.
#pragma once

#include "bench/common/child_process.h"
#include "bench/migrate/migrate_env.h"
#include "bench/migrate/migrate_shaping.h"

#include "common/result.h"

#include <memory>
#include <string>
#include <vector>

namespace sf::bench {

class TestHosts {
  public:
    // `script`: scripts/testhosts; `name`: the set's name (short: interface
    // names derive from it).
    static Result<std::unique_ptr<TestHosts>> up(const std::string& script, const std::string& name,
                                                 int hosts, const LinkShaping& shaping);
    ~TestHosts();
    TestHosts(const TestHosts&) = delete;
    TestHosts& operator=(const TestHosts&) = delete;

    const TestHostsEnv& env() const { return env_; }
    // Puts interface `iface` of host `host` (1-based) on the segment.
    Result<void> attach(int host, const std::string& iface);
    // Gives the client namespace another address (CIDR) on the segment.
    Result<void> client_address(const std::string& cidr);

  private:
    TestHosts(std::string script, std::string name) : script_(std::move(script)), name_(std::move(name)) {}
    Result<std::string> run(std::vector<std::string> words) const;

    std::string script_, name_;
    TestHostsEnv env_;
    bool up_ = false;
};

struct HostDaemonOptions {
    std::string sfd;        // binary
    std::string ns;         // network namespace to run it in
    std::string dir;        // its own directory: socket, state, log
    std::string listen;     // --migrate-listen ADDR:PORT; empty: no migration options
    std::string token_file; // --migrate-token-file
    std::vector<std::string> extra_args;
};

class HostDaemon {
  public:
    // Starts sfd and waits until its API answers.
    static Result<std::unique_ptr<HostDaemon>> start(const HostDaemonOptions& options);
    ~HostDaemon();
    HostDaemon(const HostDaemon&) = delete;
    HostDaemon& operator=(const HostDaemon&) = delete;

    const std::string& socket_path() const { return socket_path_; }
    bool running() { return process_->running(); }
    // Stops it; "" when it ended cleanly, else how it ended and its log's tail.
    std::string stop();
    std::string log_tail(size_t lines) const { return process_->log_tail(lines); }

  private:
    HostDaemon() = default;

    std::string socket_path_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace sf::bench
