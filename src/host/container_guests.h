// superfluid toolstack: ContainerGuests, the guest kind "an OCI container".
//
// A container is an OCI bundle run by a real OCI runtime (crun by default,
// runc selectable) under sfd's container monitor, sf-ctrmon
// (oci/container_monitor.h): one process, started on first use, that is the
// subreaper of the runtime's containers, holds their stdout and stderr in
// console rings (as a VM's worker does) and reports their exits, so that
// with a durable store the containers and their consoles outlive sfd and a
// restarted sfd adopts them (adopt()).
//
// Each container gets a bundle directory of its own, STATE/bundles/<id>:
// the config.json sfd writes (oci/oci_bundle.h: from a rootfs, or the
// given bundle's with sfd's limits, stdio and network namespace) and the
// runtime's log. Its cgroup is /superfluid/sf-TAG-<id> (TAG: this sfd's
// state directory's), its runtime state STATE/runtime; destroy leaves none
// of them, nor a process.
//
// Every container is placed at `where` 0 (the monitor). Snapshots and
// migrations are VMs' only (GuestMoves refuses other kinds).
//
// Threading: every method from any thread; the monitor's callbacks come on
// its reader thread and take the registry's lock.
#pragma once

#include "host/guest_kind.h"
#include "host/guest_registry.h"
#include "host/oci/monitor_process.h"
#include "host/worker/console_log.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace sf::host {

struct ContainerGuestsOptions {
    std::string monitor_program; // path of sf-ctrmon
    std::string runtime = "crun";
    std::string state_dir;        // bundles, the runtime's state, the monitor's socket
    bool keep = false;            // containers outlive sfd (a durable store): a restarted sfd adopts them
    bool prepare_cgroups = false; // mount cgroup2's controllers as v1 hierarchies if crun needs it
    std::string cgroup_root = "/sys/fs/cgroup";
    uint32_t uid_base = 200000; // host uid/gid of container root (a user namespace per container)
    uint64_t default_pids = 64; // a container's pid limit when the request gives none
    uint64_t ring_size = 16 << 10;
    std::string log_dir; // non-empty: each container's output also goes to LOG_DIR/NAME.log
    uint64_t log_max_bytes = kDefaultLogMaxBytes; // NAME.log's cap (ConsoleLog)
    GuestRegistry* registry = nullptr;            // not owned; outlives this
};

class ContainerGuests final : public GuestKind {
  public:
    static constexpr uint64_t kMinMem = 8ull << 20; // the runtime's own set-up runs in the cgroup

    explicit ContainerGuests(ContainerGuestsOptions options);
    ~ContainerGuests() override; // shutdown()

    std::string_view name() const override { return "container"; }
    NicForm nic_form() const override { return NicForm::Namespace; }
    // The limits and paths; Unavailable when containers cannot run here (cgroups, the monitor).
    Result<void> check(const CreateRequest& request) override;
    // {its bundle or rootfs, its arguments joined by spaces}
    std::pair<std::string, std::string> describe(const CreateRequest& request) const override;
    Result<int> place() override { return 0; }
    void release(const GuestRef& guest, bool held) override;
    void bind_nic(uint32_t, int) override {} // its NIC is an interface in its netns, bound by NetService
    Result<void> create(const GuestLaunch& launch) override;
    Result<void> change(const GuestRef& guest, GuestChange change) override;
    Result<void> destroy(const GuestRef& guest) override;
    Result<uint64_t> console_bytes(const GuestRef& guest) override;
    Result<std::string> logs(const GuestRef& guest) override;
    Result<std::string> follow(const GuestRef& guest) override;
    void unfollow(const GuestRef& guest) override;
    // {"containers": {"runtime", "monitor_pid", "count", "monitor_rss_kib", "monitor_fds", "state_dir",
    //  "cgroup_prefix" (each container's cgroup is this followed by its id)}}
    nlohmann::json figures() override;

    // Starts the monitor now (it otherwise starts at the first container):
    // the cgroups are checked (prepared with prepare_cgroups), the monitor spawned.
    Result<void> start();
    // Recovery: connects to the monitor an earlier sfd left, takes over the
    // records of the containers it holds, deletes those it holds without one.
    // Returns how many it adopted; 0 with no monitor there.
    Result<size_t> adopt();
    // Deletes every container and stops the monitor. Idempotent.
    void shutdown(std::chrono::milliseconds grace);

    std::string bundle_dir(uint64_t id) const;
    std::string cgroups_path(uint64_t id) const; // "/superfluid/sf-TAG-<id>"

  private:
    Result<std::shared_ptr<MonitorProcess>> monitor(); // started if need be
    Result<void> prepare_host();                       // needs mutex_
    MonitorProcess::Callbacks callbacks();
    void on_event(uint64_t id, const worker_api::GuestEvent& event);
    void on_monitor_exit(const std::string& how);
    Result<nlohmann::json> config(const GuestLaunch& launch) const;
    // Deletes container `id` with the runtime itself (its monitor is gone).
    void delete_orphan(uint64_t id) const;
    MonitorOptions monitor_options() const;

    const ContainerGuestsOptions options_;
    GuestRegistry& registry_;
    const std::string tag_; // this sfd's (its state directory's) in cgroup names
    std::mutex mutex_;
    bool host_ready_ = false;
    bool shut_down_ = false;
    std::shared_ptr<MonitorProcess> monitor_;
};

} // namespace sf::host
