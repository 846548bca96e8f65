// superfluid toolstack: the API's guest service over the registry.
#include "host/guests.h"

#include "host/create_request_parser.h"
#include "vmm/guest_clock.h"

namespace sf::host {
namespace {

// A guest that went between two steps of a request.
Error gone(const std::string& ref) {
    return error(ErrorKind::NotFound, "no guest '{}'", ref);
}

} // namespace

Result<GuestKind*> Guests::kind_for(const CreateRequest& request) const {
    for (GuestKind* kind : {options_.vm, options_.container})
        if (kind && kind->name() == request.kind) return kind;
    return error(ErrorKind::InvalidArgument, "kind: this sfd makes no guests of kind \"{}\"", request.kind);
}

Result<void> Guests::check(GuestKind& kind, const CreateRequest& request) const {
    SF_TRY(kind.check(request));
    SF_TRY(registry_.check_free_memory());
    if (request.net.empty() && !request.ip.empty())
        return error(ErrorKind::InvalidArgument, "an address (ip) needs a network (net)");
    return ok();
}

// The one place a NIC is leased for a create. A container's NIC is an
// interface in a network namespace (NicLease::netns): the container kind's
// lease call goes here, beside the VMs'.
Result<std::optional<NicLease>> Guests::lease_nic(const GuestKind& kind, const CreateRequest& request) const {
    if (request.net.empty()) return std::optional<NicLease>();
    const auto vm_lease = [&]() -> Result<NicLease> { return options_.net->lease(request.net, request.ip); };
    const auto container_lease = [&]() -> Result<NicLease> {
        // Until NetService leases container NICs (a netns with an interface
        // plugged into the switch), a container on a network is refused.
        return error(ErrorKind::InvalidArgument,
                     "net: containers on a network are not available yet (issue 15's container NICs)");
    };
    SF_TRY_ASSIGN(NicLease lease, &kind == options_.container ? container_lease() : vm_lease());
    return std::optional<NicLease>(std::move(lease));
}

Result<GuestInfo> Guests::create(const CreateRequest& request) {
    const uint64_t request_ns = vmm::host_monotonic_ns();
    SF_TRY_ASSIGN(GuestKind * chosen, kind_for(request));
    GuestKind& kind = *chosen;
    SF_TRY(check(kind, request));
    auto [image, cmdline] = kind.describe(request);
    const Admission admission{&kind,
                              request.name,
                              image,
                              request.mem_size,
                              cmdline,
                              request.start ? GuestState::Running : GuestState::Created,
                              Busy::No,
                              request_ns,
                              [&] { return lease_nic(kind, request); }};
    SF_TRY_ASSIGN(GuestRegistry::Reservation guest, registry_.admit(admission));
    if (options_.store) {
        const uint64_t t0 = vmm::host_monotonic_ns();
        Result<void> stored = registry_.store(guest);
        record_ns_ += vmm::host_monotonic_ns() - t0; // a create's time writing its record (/v1/host)
        ++records_written_;
        SF_TRY(std::move(stored));
    }
    std::optional<ContainerLaunch> container;
    if (!request.bundle.empty() || !request.rootfs.empty())
        container = ContainerLaunch{request.bundle, request.rootfs, request.args, request.pids};
    SF_TRY(kind.create({guest.ref(), guest.info.name, image, request.mem_size, cmdline, request.start,
                        guest.nic, std::move(container)}));
    guest.keep(); // from here the guest exists: an error (no output in time) leaves it, and its NIC, in place
    const uint64_t id = guest.id();
    if (request.start && request.wait_for_output) return registry_.wait_for_output(id, request.wait_timeout);
    std::optional<GuestEntry> entry = registry_.find(id);
    if (!entry) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", id);
    return entry->info;
}

Result<GuestInfo> Guests::info(const std::string& ref) {
    SF_TRY_ASSIGN(const GuestEntry entry, registry_.find(ref));
    if (entry.held)
        if (Result<uint64_t> bytes = entry.kind->console_bytes(entry.ref()); bytes) {
            Result<GuestInfo> info = registry_.set_console_bytes(entry.info.id, *bytes);
            if (!info) return gone(ref);
            return info;
        }
    std::optional<GuestEntry> now = registry_.find(entry.info.id);
    if (!now) return gone(ref);
    return now->info;
}

Result<std::vector<GuestInfo>> Guests::list() {
    return registry_.list();
}

// start/pause/resume: checks the state, asks the guest's kind, records the new state.
Result<GuestInfo> Guests::change(const std::string& ref, GuestChange change, GuestState from, GuestState to) {
    static constexpr std::string_view kOps[] = {"start", "pause", "resume"};
    SF_TRY_ASSIGN(const GuestEntry entry, registry_.ready_for(ref, from, kOps[static_cast<size_t>(change)]));
    SF_TRY(entry.kind->change(entry.ref(), change));
    Result<GuestInfo> info = registry_.changed(entry.info.id, from, to);
    if (!info) return gone(ref);
    return info;
}

Result<GuestInfo> Guests::start(const std::string& ref) {
    return change(ref, GuestChange::Start, GuestState::Created, GuestState::Running);
}
Result<GuestInfo> Guests::pause(const std::string& ref) {
    return change(ref, GuestChange::Pause, GuestState::Running, GuestState::Paused);
}
Result<GuestInfo> Guests::resume(const std::string& ref) {
    return change(ref, GuestChange::Resume, GuestState::Paused, GuestState::Running);
}

Result<void> Guests::destroy(const std::string& ref) {
    SF_TRY_ASSIGN(const GuestEntry entry, registry_.idle(ref));
    if (entry.held) {
        Result<void> destroyed = entry.kind->destroy(entry.ref());
        if (!destroyed && destroyed.error().kind != ErrorKind::NotFound &&
            destroyed.error().kind != ErrorKind::Unavailable)
            return destroyed;
    }
    if (!registry_.remove(entry.info.id)) return gone(ref);
    return ok();
}

Result<std::string> Guests::logs(const std::string& ref) {
    SF_TRY_ASSIGN(const GuestEntry entry, registry_.find(ref));
    if (!entry.held) return std::string(); // its holder ended, and the ring with it
    return entry.kind->logs(entry.ref());
}

Result<void> Guests::follow_console(const std::string& ref, const ConsoleCallback& callback) {
    return registry_.follow(
        ref, [](const GuestEntry& entry) { return entry.kind->follow(entry.ref()); }, callback,
        [](const GuestEntry& entry) { entry.kind->unfollow(entry.ref()); });
}

nlohmann::json Guests::store_figures() const {
    if (!options_.store) return {{"backend", "none"}};
    const uint64_t written = records_written_;
    const store::StoreStats stats = options_.store->stats();
    return {{"backend", options_.store->backend_name()},
            {"records_written", written},
            {"record_ms_mean",
             written ? static_cast<double>(record_ns_) / static_cast<double>(written) / 1e6 : 0.0},
            {"nodes", stats.nodes},
            {"watches", stats.watches},
            {"commits", stats.commits},
            {"conflicts", stats.conflicts}};
}

Result<HostInfo> Guests::host_info() {
    nlohmann::json kind = options_.vm->figures();
    const GuestRegistry::Figures figures = registry_.figures();
    nlohmann::json json = {{"guests", figures.guests},
                           {"backend", options_.backend},
                           {"backend_description", options_.backend_description},
                           {"states", figures.states},
                           {"mem_reserve", options_.mem_reserve},
                           {"mem_committed", figures.committed},
                           {"mem_commit_limit", figures.commit_limit},
                           {"overcommit", options_.overcommit},
                           {"console_bytes_dropped", figures.console_dropped},
                           {"store", store_figures()}};
    json.update(kind);
    if (options_.container) json.update(options_.container->figures());
    return HostInfo{std::move(json)};
}

} // namespace sf::host
