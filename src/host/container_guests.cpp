// superfluid toolstack: OCI containers under sfd's container monitor (the guest kind "container").
#include "host/container_guests.h"

#include "host/create_request_parser.h"
#include "host/oci/oci_bundle.h"
#include "host/oci/oci_cgroups.h"
#include "host/oci/oci_runtime.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

namespace sf::host {
namespace {

namespace fs = std::filesystem;

// FNV-1a of the state directory, 8 hex digits: this sfd's containers' cgroups.
std::string tag_of(const std::string& text) {
    uint32_t hash = 2166136261u;
    for (unsigned char c : text)
        hash = (hash ^ c) * 16777619u;
    return fmt::format("{:08x}", hash);
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

} // namespace

ContainerGuests::ContainerGuests(ContainerGuestsOptions options)
    : options_(std::move(options)), registry_(*options_.registry), tag_(tag_of(options_.state_dir)) {}

ContainerGuests::~ContainerGuests() {
    shutdown(std::chrono::seconds(10));
}

std::string ContainerGuests::bundle_dir(uint64_t id) const {
    return fmt::format("{}/bundles/{}", options_.state_dir, id);
}

std::string ContainerGuests::cgroups_path(uint64_t id) const {
    return fmt::format("/superfluid/sf-{}-{}", tag_, id);
}

MonitorOptions ContainerGuests::monitor_options() const {
    return {options_.monitor_program, options_.runtime, options_.state_dir + "/runtime",
            options_.state_dir + "/ctrmon.sock", options_.keep};
}

// crun refuses a hybrid host whose cgroup2 hierarchy holds a controller (oci_cgroups.h); runc does not.
Result<void> ContainerGuests::prepare_host() {
    if (host_ready_) return ok();
    std::error_code ec;
    fs::create_directories(options_.state_dir + "/bundles", ec);
    if (ec)
        return error(ErrorKind::Unavailable, "containers: cannot make {}: {}", options_.state_dir,
                     ec.message());
    const bool crun = fs::path(options_.runtime).filename() == "crun";
    if (crun && !hybrid_controllers(options_.cgroup_root).empty()) {
        if (!options_.prepare_cgroups) {
            Error refused = check_cgroups(options_.cgroup_root).error();
            std::fprintf(stderr, "sfd: %s\n", refused.message.c_str());
            return refused;
        }
        SF_TRY_ASSIGN(const std::vector<std::string> mounted, prepare_cgroups(options_.cgroup_root));
        for (const std::string& controller : mounted)
            std::fprintf(stderr,
                         "sfd: cgroups: mounted %s as a v1 hierarchy at %s/%s for crun (--prepare-cgroups)\n",
                         controller.c_str(), options_.cgroup_root.c_str(), controller.c_str());
    }
    host_ready_ = true;
    return ok();
}

Result<std::shared_ptr<MonitorProcess>> ContainerGuests::monitor() {
    std::lock_guard lock(mutex_);
    if (monitor_ && monitor_->alive()) return monitor_;
    if (shut_down_) return error(ErrorKind::Unavailable, "sfd is stopping");
    SF_TRY(prepare_host());
    Result<std::unique_ptr<MonitorProcess>> spawned = MonitorProcess::spawn(monitor_options(), callbacks());
    if (!spawned) return error(ErrorKind::Unavailable, "containers: {}", spawned.error().message);
    monitor_ = std::move(*spawned);
    std::fprintf(stderr, "sfd: container monitor started (pid %d, runtime %s)\n", monitor_->pid(),
                 options_.runtime.c_str());
    return monitor_;
}

Result<void> ContainerGuests::start() {
    SF_TRY(monitor());
    return ok();
}

MonitorProcess::Callbacks ContainerGuests::callbacks() {
    MonitorProcess::Callbacks c;
    c.on_event = [this](uint64_t id, const worker_api::GuestEvent& e) { on_event(id, e); };
    c.on_console = [this](uint64_t id, std::string_view bytes) { registry_.console(id, bytes); };
    c.on_exit = [this](const std::string& how) { on_monitor_exit(how); };
    return c;
}

void ContainerGuests::on_event(uint64_t id, const worker_api::GuestEvent& event) {
    using Kind = worker_api::GuestEvent::Kind;
    switch (event.kind) {
    case Kind::FirstOutput: registry_.first_output(id, event.t_ns); break;
    case Kind::Exited: registry_.ended(id, GuestState::Exited, event.status, {}); break;
    case Kind::Crashed: registry_.ended(id, GuestState::Crashed, std::nullopt, event.reason); break;
    }
}

// The monitor died (not stopped): its containers are recorded as crashed and deleted by the runtime itself,
// so that none runs on unseen.
void ContainerGuests::on_monitor_exit(const std::string& how) {
    {
        std::lock_guard lock(mutex_);
        if (shut_down_) return;
    }
    std::vector<uint64_t> lost;
    registry_.holder_lost(this, 0, fmt::format("its container monitor {}", how),
                          [&lost](uint64_t id) { lost.push_back(id); });
    for (uint64_t id : lost)
        delete_orphan(id);
}

void ContainerGuests::delete_orphan(uint64_t id) const {
    const OciRuntime runtime({options_.runtime, options_.state_dir + "/runtime"});
    Result<pid_t> pid = OciRuntime::spawn(
        runtime.command(bundle_dir(id), {"delete", "--force", fmt::format("sf-{}", id)}), -1);
    int status = 0;
    if (pid) ::waitpid(*pid, &status, 0);
}

Result<void> ContainerGuests::check(const CreateRequest& request) {
    if (request.mem_size < kMinMem)
        return error(ErrorKind::InvalidArgument,
                     "mem: a container needs at least {} MiB (its runtime's set-up "
                     "runs within its memory limit)",
                     kMinMem >> 20);
    const std::string& dir = request.bundle.empty() ? request.rootfs : request.bundle;
    if (dir.empty() || dir.front() != '/')
        return error(ErrorKind::InvalidArgument, "a container needs an absolute bundle or rootfs path");
    SF_TRY(monitor());
    return ok();
}

std::pair<std::string, std::string> ContainerGuests::describe(const CreateRequest& request) const {
    return {request.bundle.empty() ? request.rootfs : request.bundle, join(request.args)};
}

Result<nlohmann::json> ContainerGuests::config(const GuestLaunch& launch) const {
    const ContainerLaunch& c = *launch.container;
    BundleSettings settings;
    settings.hostname = launch.name;
    settings.args = c.args;
    settings.mem_limit = launch.mem_size;
    settings.pids_limit = c.pids ? c.pids : options_.default_pids;
    settings.netns = launch.nic ? launch.nic->netns : std::string();
    settings.cgroups_path = cgroups_path(launch.guest.id);
    settings.uid_base = options_.uid_base;
    if (!c.bundle.empty()) return bundle_config(c.bundle, settings);
    return rootfs_config(c.rootfs, settings);
}

Result<void> ContainerGuests::create(const GuestLaunch& launch) {
    if (!launch.container) return error(ErrorKind::InvalidArgument, "a container needs a bundle or a rootfs");
    SF_TRY_ASSIGN(std::shared_ptr<MonitorProcess> m, monitor());
    SF_TRY_ASSIGN(const nlohmann::json bundle, config(launch));
    const std::string dir = bundle_dir(launch.guest.id);
    Result<nlohmann::json> ran = [&]() -> Result<nlohmann::json> {
        SF_TRY(write_bundle(dir, bundle));
        const ctrmon::Run run{
            .id = launch.guest.id,
            .bundle = dir,
            .cgroup = memory_cgroup_dir(cgroups_path(launch.guest.id), options_.cgroup_root),
            .ring_size = options_.ring_size,
            .start = launch.start,
            .log_path = options_.log_dir.empty() ? "" : options_.log_dir + "/" + launch.name + ".log",
            .log_max_bytes = options_.log_max_bytes};
        return m->call(ctrmon::Run::kOp, nlohmann::json(run));
    }();
    if (!ran) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        return std::move(ran).error();
    }
    return ok();
}

Result<void> ContainerGuests::change(const GuestRef& guest, GuestChange change) {
    static constexpr std::string_view kOps[] = {"start", "pause", "resume"};
    SF_TRY_ASSIGN(std::shared_ptr<MonitorProcess> m, monitor());
    SF_TRY(m->call(kOps[static_cast<size_t>(change)], {{"id", guest.id}}));
    return ok();
}

Result<void> ContainerGuests::destroy(const GuestRef& guest) {
    std::shared_ptr<MonitorProcess> m;
    {
        std::lock_guard lock(mutex_);
        m = monitor_;
    }
    if (!m || !m->alive()) return error(ErrorKind::Unavailable, "the container monitor is gone");
    SF_TRY(m->call("destroy", {{"id", guest.id}}));
    return ok();
}

void ContainerGuests::release(const GuestRef& guest, bool) {
    std::error_code ec;
    fs::remove_all(bundle_dir(guest.id), ec);
}

Result<uint64_t> ContainerGuests::console_bytes(const GuestRef& guest) {
    SF_TRY_ASSIGN(std::shared_ptr<MonitorProcess> m, monitor());
    SF_TRY_ASSIGN(const nlohmann::json reply, m->call("info", {{"id", guest.id}}));
    SF_TRY_ASSIGN(const ctrmon::Status status, ctrmon::fields_as<ctrmon::Status>(reply));
    return status.console_bytes;
}

Result<std::string> ContainerGuests::logs(const GuestRef& guest) {
    SF_TRY_ASSIGN(std::shared_ptr<MonitorProcess> m, monitor());
    return m->call_raw("logs", guest.id);
}

Result<std::string> ContainerGuests::follow(const GuestRef& guest) {
    SF_TRY_ASSIGN(std::shared_ptr<MonitorProcess> m, monitor());
    return m->call_raw("follow", guest.id);
}

void ContainerGuests::unfollow(const GuestRef& guest) {
    if (Result<std::shared_ptr<MonitorProcess>> m = monitor(); m)
        (void)(*m)->call("unfollow", {{"id", guest.id}});
}

nlohmann::json ContainerGuests::figures() {
    std::shared_ptr<MonitorProcess> m;
    {
        std::lock_guard lock(mutex_);
        m = monitor_;
    }
    nlohmann::json figures = {{"runtime", options_.runtime},
                              {"monitor_pid", nullptr},
                              {"count", 0},
                              {"state_dir", options_.state_dir},
                              {"cgroup_prefix", cgroups_path(0).substr(0, cgroups_path(0).size() - 1)}};
    if (m && m->alive())
        if (Result<nlohmann::json> stats = m->call("stats"); stats) {
            figures["monitor_pid"] = stats->value("pid", 0);
            figures["count"] = stats->value("containers", 0);
            figures["monitor_rss_kib"] = stats->value("rss_kib", 0);
            figures["monitor_fds"] = stats->value("fds", 0);
        }
    return {{"containers", figures}};
}

Result<size_t> ContainerGuests::adopt() {
    const MonitorOptions o = monitor_options();
    Result<std::unique_ptr<MonitorProcess>> adopted = MonitorProcess::adopt(o.listen_path, callbacks());
    if (!adopted) return size_t{0};
    std::shared_ptr<MonitorProcess> m = std::move(*adopted);
    {
        std::lock_guard lock(mutex_);
        monitor_ = m;
        host_ready_ = true; // it ran containers: the host was ready
    }
    SF_TRY_ASSIGN(const nlohmann::json reply, m->call("held"));
    SF_TRY_ASSIGN(const ctrmon::Held held, ctrmon::fields_as<ctrmon::Held>(reply));
    std::fprintf(stderr, "sfd: adopted the container monitor (pid %d), holding %zu containers\n", m->pid(),
                 held.containers.size());
    size_t count = 0;
    for (const ctrmon::HeldContainer& h : held.containers) {
        const std::optional<GuestState> state = parse_guest_state(h.state);
        if (state && registry_.adopted(h.id, this, 0, {*state, h.status, h.reason, h.console_bytes})) {
            ++count;
            continue;
        }
        (void)m->call("destroy", {{"id", h.id}}); // sfd died creating it: it has no record
        release({h.id, 0}, true);
    }
    return count;
}

void ContainerGuests::shutdown(std::chrono::milliseconds grace) {
    std::shared_ptr<MonitorProcess> m;
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
        m = std::move(monitor_);
    }
    if (m) m->stop(grace);
}

} // namespace sf::host
