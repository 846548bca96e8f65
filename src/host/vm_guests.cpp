// superfluid toolstack: VMs in worker processes (the guest kind "vm").
#include "host/vm_guests.h"

#include "host/create_request_parser.h"
#include "vmm/guest_memory.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sf::host {

VmGuests::VmGuests(VmGuestsOptions options)
    : options_(std::move(options)), registry_(*options_.registry),
      pool_(options_.pool, [this](int slot) { return start_worker(slot); }) {}

VmGuests::~VmGuests() {
    pool_.shutdown(std::chrono::seconds(10));
}

Result<std::pair<UniqueFd, UniqueFd>> VmGuests::frame_channel() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return error("socketpair failed: {}", std::strerror(errno));
    return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<std::shared_ptr<WorkerProcess>> VmGuests::start_worker(int slot) {
    SF_TRY_ASSIGN(auto channel, frame_channel());
    auto& [ours, theirs] = channel;
    SF_TRY_ASSIGN(std::unique_ptr<WorkerProcess> worker,
                  WorkerProcess::spawn(slot, options_.worker, theirs.get(), callbacks(slot)));
    const std::string& listen_dir = options_.worker.listen_dir;
    if (options_.records && !listen_dir.empty())
        if (Result<void> stored =
                options_.records->put_worker({slot, worker->pid(), worker_socket_path(listen_dir, slot)});
            !stored)
            std::fprintf(stderr, "sfd: worker %d: %s\n", slot, stored.error().message.c_str());
    options_.net->attach_worker(slot, std::move(ours));
    return std::shared_ptr<WorkerProcess>(std::move(worker));
}

WorkerProcess::Callbacks VmGuests::callbacks(int slot) {
    WorkerProcess::Callbacks callbacks;
    callbacks.on_event = [this](uint64_t id, const worker_api::GuestEvent& e) { on_event(id, e); };
    callbacks.on_console = [this](uint64_t id, std::string_view bytes) { registry_.console(id, bytes); };
    callbacks.on_exit = [this](int i, const std::string& how) { on_worker_exit(i, how); };
    callbacks.on_store = [this, slot](uint64_t id, uint64_t rid, std::string_view m) {
        on_store(slot, id, rid, m);
    };
    return callbacks;
}

void VmGuests::on_event(uint64_t id, const worker_api::GuestEvent& event) {
    using Kind = worker_api::GuestEvent::Kind;
    switch (event.kind) {
    case Kind::FirstOutput: registry_.first_output(id, event.t_ns); break;
    case Kind::Exited: registry_.ended(id, GuestState::Exited, event.status, {}); break;
    case Kind::Crashed: registry_.ended(id, GuestState::Crashed, std::nullopt, event.reason); break;
    }
}

void VmGuests::on_worker_exit(int slot, const std::string& how) {
    options_.net->detach_worker(slot);
    registry_.holder_lost(this, slot, fmt::format("its worker process {} {}", slot, how),
                          [this](uint64_t id) {
                              if (options_.gate) options_.gate->close(id);
                          });
    if (registry_.shutting_down()) return;
    pool_.worker_exited(slot, how);
}

// A guest's store request, on its worker's reader thread: only for a guest that this worker holds.
void VmGuests::on_store(int slot, uint64_t id, uint64_t request_id, std::string_view message) {
    if (!options_.gate || !registry_.holds(id, this, slot)) return;
    if (Result<std::shared_ptr<WorkerProcess>> worker = pool_.at(slot); worker)
        (void)(*worker)->send_store(id, request_id, options_.gate->handle(id, message));
}

void VmGuests::open_gate(const GuestRef& guest) {
    if (!options_.gate) return;
    Result<std::shared_ptr<WorkerProcess>> worker = pool_.at(guest.where);
    if (!worker) return; // its worker died: the guest is recorded as crashed
    std::weak_ptr<WorkerProcess> weak = *worker;
    options_.gate->open(guest.id, [id = guest.id, weak](uint64_t request_id, std::string_view message) {
        if (auto w = weak.lock()) (void)w->send_store(id, request_id, message);
    });
}

Result<void> VmGuests::check(const CreateRequest& request) {
    SF_TRY(vmm::GuestMemory::check_size(request.mem_size));
    if (request.image.empty() || request.image[0] != '/')
        return error(ErrorKind::InvalidArgument, "image path '{}' is not absolute", request.image);
    // The worker reads and checks the image (once per file version, see ImageCache).
    if (request.cmdline.size() > kMaxCmdlineBytes)
        return error(ErrorKind::InvalidArgument, "command line is {} bytes; the maximum is {}",
                     request.cmdline.size(), kMaxCmdlineBytes);
    return ok();
}

Result<int> VmGuests::place() {
    SF_TRY_ASSIGN(const int slot, pool_.place());
    pool_.count_guest(slot);
    return slot;
}

void VmGuests::release(const GuestRef& guest, bool held) {
    if (options_.gate) options_.gate->close(guest.id);
    if (held) pool_.release_guest(guest.where);
}

void VmGuests::bind_nic(uint32_t port_key, int where) {
    options_.net->bind(port_key, where);
}

worker_api::GuestSpec VmGuests::spec(const GuestLaunch& launch) const {
    return {launch.guest.id, launch.name,
            launch.image,    launch.mem_size,
            launch.cmdline,  launch.start,
            has_store(),     launch.nic ? std::optional(launch.nic->worker_nic()) : std::nullopt};
}

Result<void> VmGuests::create(const GuestLaunch& launch) {
    open_gate(launch.guest);
    SF_TRY(call(launch.guest.where, worker_api::Create{spec(launch)}));
    return ok();
}

Result<void> VmGuests::change(const GuestRef& guest, GuestChange change) {
    switch (change) {
    case GuestChange::Start: SF_TRY(call(guest.where, worker_api::Start{guest.id})); break;
    case GuestChange::Pause: SF_TRY(call(guest.where, worker_api::Pause{guest.id})); break;
    case GuestChange::Resume: SF_TRY(call(guest.where, worker_api::Resume{guest.id})); break;
    }
    return ok();
}

Result<void> VmGuests::destroy(const GuestRef& guest) {
    SF_TRY(call(guest.where, worker_api::Destroy{guest.id}));
    return ok();
}

Result<uint64_t> VmGuests::console_bytes(const GuestRef& guest) {
    SF_TRY_ASSIGN(const worker_api::GuestStatus status, call(guest.where, worker_api::Info{guest.id}));
    return status.console_bytes;
}

Result<std::string> VmGuests::logs(const GuestRef& guest) {
    SF_TRY_ASSIGN(worker_api::ConsoleBytes reply, call(guest.where, worker_api::Logs{guest.id}));
    return std::move(reply.bytes);
}

Result<std::string> VmGuests::follow(const GuestRef& guest) {
    SF_TRY_ASSIGN(worker_api::ConsoleBytes reply, call(guest.where, worker_api::Follow{guest.id}));
    return std::move(reply.bytes);
}

void VmGuests::unfollow(const GuestRef& guest) {
    (void)call(guest.where, worker_api::Unfollow{guest.id});
}

nlohmann::json VmGuests::figures() {
    const std::vector<std::shared_ptr<WorkerProcess>> workers = pool_.workers();
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < workers.size(); ++i) {
        const bool alive = workers[i] && workers[i]->alive();
        nlohmann::json entry = {{"index", i}, {"pid", workers[i] ? workers[i]->pid() : -1}, {"alive", alive}};
        if (alive)
            if (Result<worker_api::WorkerStats> stats = workers[i]->call(worker_api::Stats{}); stats) {
                entry["guests"] = stats->guests;
                entry["pool"] = stats->pool;
                entry["scheduler"] = stats->scheduler;
                entry["templates"] = stats->templates;
            }
        list.push_back(entry);
    }
    return {{"workers", list},
            {"max_workers", pool_.options().max_workers},
            {"guests_per_worker", pool_.options().guests_per_worker},
            {"max_guests_per_worker", pool_.options().max_guests_per_worker}};
}

// Adopts worker `slot` and takes over the records of the guests it holds;
// guests it holds without a record (sfd died creating them) are destroyed.
Result<void> VmGuests::adopt(int slot, const std::string& socket) {
    SF_TRY_ASSIGN(auto channel, frame_channel());
    auto& [ours, theirs] = channel;
    SF_TRY_ASSIGN(std::unique_ptr<WorkerProcess> adopted,
                  WorkerProcess::adopt(slot, socket, theirs.get(), callbacks(slot)));
    std::shared_ptr<WorkerProcess> worker = std::move(adopted);
    pool_.install(slot, worker);
    options_.net->attach_worker(slot, std::move(ours));
    Result<worker_api::Held> reply = worker->call(worker_api::Adopt{});
    if (!reply) {
        worker->kill();
        return std::move(reply).error();
    }
    std::fprintf(stderr, "sfd: adopted worker %d (pid %d)\n", slot, worker->pid());
    std::vector<uint64_t> strays;
    for (const worker_api::HeldGuest& held : reply->guests) {
        const std::optional<GuestState> state = parse_guest_state(held.state);
        if (!state ||
            !registry_.adopted(held.id, this, slot, {*state, held.status, held.reason, held.console_bytes})) {
            strays.push_back(held.id);
            continue;
        }
        pool_.count_guest(slot);
        if (std::optional<GuestEntry> entry = registry_.find(held.id); entry && entry->port_key)
            options_.net->bind(*entry->port_key, slot);
        open_gate({held.id, slot});
    }
    for (uint64_t id : strays)
        (void)worker->call(worker_api::Destroy{id});
    // The guests' connections are new: their watches are registered again.
    (void)worker->call(worker_api::ReplayWatches{});
    return ok();
}

} // namespace sf::host
