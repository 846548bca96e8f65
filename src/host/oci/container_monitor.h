// superfluid toolstack: ContainerMonitor, the loop of sf-ctrmon, the one
// process that holds sfd's containers (ctrmon_api.h is what it is asked).
//
// It is the child subreaper (PR_SET_CHILD_SUBREAPER) of the OCI runtime it
// runs: a container's init is made by `RUNTIME create` (whose exit leaves
// the init our child before it can run) and started by `RUNTIME start`, so
// its wait status (exit code, or the signal that killed it) comes to this
// process and no other. Each container's stdout and stderr are one pipe it
// reads into a console ring (ConsoleRing, as a VM's); the first byte is
// reported, followed containers' bytes are forwarded. When a container's
// init ends, the memory cgroup's OOM kill count says whether the kernel
// killed it for its memory limit, and `RUNTIME delete --force` removes
// what is left (processes, cgroup, runtime state) before sfd is told.
//
// One epoll loop, no threads: the runtime's commands run as child
// processes and are answered when reaped (signalfd), so a slow command
// never stalls the consoles.
//
// sfd away: with `keep`, the containers run on and a restarted sfd
// connects at `listen_path` (Held tells it what there is); without, the
// monitor deletes every container and ends.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "host/oci/ctrmon_api.h"
#include "host/oci/oci_runtime.h"
#include "host/worker/console_log.h"
#include "host/worker/console_ring.h"
#include "host/worker_api.h"

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace sf::host {

struct MonitorConfig {
    int control_fd = -1;     // the connection to the sfd that started it
    std::string listen_path; // where a restarted sfd connects (empty: nowhere)
    bool keep = false;       // keep the containers while sfd is away
    OciRuntimeOptions runtime;
};

class ContainerMonitor {
  public:
    explicit ContainerMonitor(MonitorConfig config);
    // Runs until told to shut down (or, without keep, until sfd goes away); the process's exit code.
    int run();

  private:
    enum class Phase { Creating, Created, Running, Paused, Ended };
    struct Container {
        uint64_t id = 0;
        std::string name; // the runtime's container id
        std::string bundle;
        std::string cgroup; // the memory cgroup directory
        pid_t init = -1;
        uint64_t run_seq = 0; // which `run --detach` made it (runs_spawned_ after its spawn)
        UniqueFd output;      // read end of its stdout and stderr
        ConsoleRing ring{0};
        std::optional<ConsoleLog> log; // sfd's --log-dir
        bool followed = false;
        bool destroying = false; // a destroy's `delete --force` is under way
        bool has_output = false;
        Phase phase = Phase::Creating;
        std::optional<int32_t> status;
        std::optional<std::string> reason;
    };
    using Done = std::function<void(int wait_status)>;

    Result<void> setup();
    void loop();
    // Control connection.
    void on_control();
    void on_accept();
    void lost_sfd();
    void handle(uint64_t request_id, const std::string& op, const nlohmann::json& fields);
    void reply(uint64_t request_id, const Result<nlohmann::json>& result);
    void reply_raw(uint64_t request_id, const std::string& bytes);
    void send_event(uint64_t id, const worker_api::GuestEvent& event);
    // Operations.
    void run_container(uint64_t request_id, const ctrmon::Run& run);
    void created(uint64_t request_id, uint64_t id, bool start, int wait_status);
    void change(uint64_t request_id, uint64_t id, const std::string& op);
    void destroy(uint64_t id, const std::function<void()>& then);
    void shutdown(const std::function<void()>& then);
    Result<nlohmann::json> held() const;
    Result<nlohmann::json> stats() const;
    // Processes.
    void runtime_command(const Container& c, const std::vector<std::string>& args, Done done);
    void on_child_signal();
    void init_ended(Container& c, int wait_status);
    void drain(Container& c);
    void on_output(uint64_t id);
    Container* find(uint64_t id);

    MonitorConfig config_;
    OciRuntime runtime_;
    UniqueFd epoll_, signals_, listener_, control_;
    std::map<uint64_t, Container> containers_;
    // Children whose end is awaited: runtime commands under way, and the
    // inits of destroyed containers not reaped yet.
    std::map<pid_t, Done> commands_;
    std::map<pid_t, uint64_t> inits_; // containers' init processes
    // While `run --detach` commands are under way: children reaped that were
    // neither (an init that ended before its runtime; cleared when none is).
    // An entry counts for a run only if it was reaped after that run's
    // runtime was spawned (`runs_spawned` then >= the run's `run_seq`): a pid
    // reaped earlier was alive when the init was made, so it is not the init's.
    size_t detached_runs_ = 0;
    uint64_t runs_spawned_ = 0;
    struct EarlyExit {
        int wait_status = 0;
        uint64_t runs_spawned = 0; // runs_spawned_ when it was reaped
    };
    std::map<pid_t, EarlyExit> early_exits_;
    bool stopping_ = false;
    int exit_code_ = 0;
};

} // namespace sf::host
