// superfluid worker: serving sfd's requests.
#include "host/worker/worker.h"

#include "host/protocol.h"
#include "host/worker/worker_operations.h"
#include "net/mac_address.h"

#include <cstdio>

namespace sf::host {

using namespace worker_api;

Worker::Worker(WorkerConfig config, std::shared_ptr<const vmm::Backend> backend)
    : config_(config), backend_(std::move(backend)),
      store_links_([this](uint64_t request_id, uint64_t guest_id, std::string_view message) {
          std::lock_guard lock(send_mutex_);
          return wire::send(config_.control_fd, wire::Type::Store, request_id, guest_id, message,
                            wire::kRawPayload);
      }),
      pool_(backend_, config.settings.pool),
      scheduler_(config.settings.runners, config.settings.slice_ms * 1'000'000, *this),
      frames_(config.frame_fd, scheduler_),
      snapshots_(*this, scheduler_, store_links_, images_, pool_, *backend_),
      migrations_(*this, scheduler_, frames_, snapshots_),
      operations_([this](uint64_t request_id, const LongOperations::Outcome& outcome) {
          send_reply(request_id, outcome ? *outcome : encode_error(outcome.error()));
      }) {
    frames_.start();
}

Worker::~Worker() {
    destroy_all();
}

int Worker::serve() {
    if (!config_.settings.listen_path.empty())
        if (Result<void> listening = listen(); !listening) {
            std::fprintf(stderr, "sf-worker %d: %s\n", config_.settings.index,
                         listening.error().message.c_str());
            return 1;
        }
    for (;;) {
        const Ended ended = serve_connection();
        if (ended == Ended::Shutdown) return 0;
        // A broken packet is not sfd going away: sfd replaces this worker (and its socket).
        if (ended == Ended::Failed || !listener_.valid() || !await_sfd()) {
            destroy_all();
            return ended == Ended::Failed ? 1 : 0;
        }
    }
}

Worker::Ended Worker::serve_connection() {
    for (;;) {
        Result<wire::Message> message = wire::receive(config_.control_fd);
        if (!message) {
            const bool closed = message.error().kind == ErrorKind::Closed;
            if (!closed)
                std::fprintf(stderr, "sf-worker %d: %s\n", config_.settings.index,
                             message.error().message.c_str());
            return closed ? Ended::Lost : Ended::Failed;
        }
        if (message->type() == wire::Type::Store) {
            store_links_.receive(message->header.request_id, message->header.guest_id, message->payload);
            continue;
        }
        if (message->type() != wire::Type::Request) continue;
        if (serve_request(*message) == Op::Shutdown) return Ended::Shutdown;
    }
}

void Worker::send_reply(uint64_t request_id, const EncodedReply& reply) {
    std::lock_guard lock(send_mutex_);
    (void)wire::send(config_.control_fd, wire::Type::Reply, request_id, 0, reply.payload,
                     reply.raw ? uint32_t{wire::kRawPayload} : 0u);
}

std::optional<Op> Worker::serve_request(wire::Message& message) {
    const uint64_t request_id = message.header.request_id;
    Result<ParsedRequest> parsed = parse_request(message.payload);
    if (!parsed) {
        send_reply(request_id, encode_error(parsed.error()));
        return std::nullopt;
    }
    const WorkerOperation& operation = worker_operation(parsed->op);
    if (operation.launch) {
        Result<void> launched = operation.launch(*this, parsed->object, request_id, std::move(message.fd));
        if (!launched)
            send_reply(request_id, encode_error(launched.error())); // else the job replies when done
        return parsed->op;
    }
    Result<EncodedReply> reply = operation.serve(*this, parsed->object);
    send_reply(request_id, reply ? *reply : encode_error(reply.error()));
    return parsed->op;
}

Result<Done> Worker::create(const Create& request) {
    SF_TRY_ASSIGN(NewGuest fresh, prepare_guest(request.guest));
    auto memory_template = images_.get(request.guest.image, fresh.config.mem_size);
    Result<vmm::Shell> shell = memory_template ? pool_.take() : Result<vmm::Shell>(memory_template.error());
    auto vm = shell ? vmm::Guest::create(std::move(*shell), backend_->memory_sharing(), **memory_template,
                                         fresh.config, *fresh.guest)
                    : Result<std::unique_ptr<vmm::Guest>>(shell.error());
    if (!vm) {
        abandon(fresh);
        return std::move(vm).error();
    }
    SF_TRY(register_guest(fresh, std::move(*vm)));
    if (request.guest.start) SF_TRY(scheduler_.start(fresh.guest));
    return Done{};
}

Result<std::shared_ptr<WorkerGuest>> Worker::find_idle(uint64_t id) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(id));
    if (operations_.busy(id)) return error(ErrorKind::Conflict, "guest {} is being saved or migrated", id);
    return guest;
}

GuestStatus Worker::status_of(const WorkerGuest& guest) const {
    return GuestStatus{guest.console_total()};
}

Result<GuestStatus> Worker::start(const Start& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find_idle(request.id));
    SF_TRY(scheduler_.start(guest));
    return status_of(*guest);
}

Result<GuestStatus> Worker::pause(const Pause& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find_idle(request.id));
    SF_TRY(scheduler_.pause(guest));
    return status_of(*guest);
}

Result<GuestStatus> Worker::resume(const Resume& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find_idle(request.id));
    if (guest->port_key) frames_.release(*guest->port_key); // frames kept by a failed migration's pause
    SF_TRY(scheduler_.resume(guest));
    return status_of(*guest);
}

Result<GuestStatus> Worker::info(const Info& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(request.id));
    return status_of(*guest);
}

Result<ConsoleBytes> Worker::logs(const Logs& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(request.id));
    return ConsoleBytes{guest->console_contents()};
}

Result<ConsoleBytes> Worker::follow(const Follow& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(request.id));
    return ConsoleBytes{guest->follow()};
}

Result<GuestStatus> Worker::unfollow(const Unfollow& request) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(request.id));
    guest->unfollow();
    return status_of(*guest);
}

Result<Done> Worker::shutdown(const Shutdown&) {
    destroy_all();
    return Done{};
}

Result<WatchesReplayed> Worker::replay_watches(const ReplayWatches&) {
    return WatchesReplayed{static_cast<uint64_t>(store_links_.replay_watches())};
}

Result<NewGuest> Worker::prepare_guest(const GuestSpec& spec) {
    NewGuest fresh;
    fresh.config.id = spec.id;
    fresh.config.mem_size = spec.mem;
    fresh.config.name = spec.name;
    fresh.config.cmdline = spec.cmdline;
    SF_TRY(fresh.config.validate());
    if (spec.nic) {
        SF_TRY_ASSIGN(auto nic, make_nic(*spec.nic));
        fresh.port_key = spec.nic->port;
        fresh.config.nics.push_back(std::move(nic));
    }
    fresh.guest = std::make_shared<WorkerGuest>(fresh.config.id, config_.settings.ring_size, *this);
    if (!config_.settings.log_dir.empty())
        SF_TRY(fresh.guest->open_log(config_.settings.log_dir + "/" + fresh.config.name + ".log",
                                     config_.settings.log_max_bytes));
    if (spec.store) {
        SF_TRY_ASSIGN(fresh.config.store, open_store(fresh.guest));
    }
    return fresh;
}

void Worker::abandon(const NewGuest& fresh) {
    if (fresh.config.store) store_links_.close(fresh.config.id);
}

// Makes a built guest one of this worker's: findable by id, its NIC on the switch.
Result<void> Worker::register_guest(NewGuest& fresh, std::shared_ptr<vmm::Guest> vm) {
    fresh.guest->vm = std::move(vm);
    {
        std::lock_guard lock(guests_mutex_);
        if (!guests_.emplace(fresh.config.id, fresh.guest).second) {
            abandon(fresh);
            fresh.guest->vm.reset();
            return error(ErrorKind::Conflict, "guest {} exists", fresh.config.id);
        }
    }
    if (fresh.port_key) {
        fresh.guest->port_key = fresh.port_key;
        frames_.add(*fresh.port_key, fresh.config.nics.front(), fresh.guest);
    }
    return ok();
}

Result<std::shared_ptr<vmm::Nic>> Worker::make_nic(const NicSpec& nic) {
    vmm::NicConfig config;
    Result<net::MacAddress> mac = net::MacAddress::parse(nic.mac);
    if (!mac) return error(ErrorKind::InvalidArgument, "nic: {}", mac.error().message);
    config.mac = mac->bytes();
    config.ipv4_addr = nic.ip;
    config.ipv4_mask = nic.mask;
    config.ipv4_gw = nic.gw;
    config.mtu = nic.mtu;
    const uint32_t port = nic.port;
    return std::make_shared<vmm::Nic>(
        config, [this, port](std::span<const uint8_t> frame) { frames_.transmit(port, frame); });
}

// The guest's store port: its watch events wake it like a frame would.
Result<std::shared_ptr<vmm::StorePort>> Worker::open_store(const std::shared_ptr<WorkerGuest>& guest) {
    return store_links_.open(guest->id(), [this, weak = std::weak_ptr<WorkerGuest>(guest)] {
        if (auto g = weak.lock()) scheduler_.notify(g);
    });
}

Result<Done> Worker::destroy(const Destroy& request) {
    operations_.cancel(request.id); // a save or migration of it ends first (failed)
    SF_TRY(remove_guest(request.id));
    return Done{};
}

Result<void> Worker::remove_guest(uint64_t id) {
    std::shared_ptr<WorkerGuest> guest;
    {
        std::lock_guard lock(guests_mutex_);
        auto it = guests_.find(id);
        if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {} in this worker", id);
        guest = std::move(it->second);
        guests_.erase(it);
    }
    if (guest->port_key) frames_.remove(*guest->port_key);
    store_links_.close(id);           // a store request it waits for fails now, not after the timeout
    scheduler_.remove(guest).reset(); // frees the VM here, on this thread
    {
        std::lock_guard lock(send_mutex_);
        ended_.erase(id);
    }
    return ok();
}

Result<std::shared_ptr<WorkerGuest>> Worker::find(uint64_t id) {
    std::lock_guard lock(guests_mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {} in this worker", id);
    return it->second;
}

Result<WorkerStats> Worker::stats(const Stats&) {
    size_t count;
    {
        std::lock_guard lock(guests_mutex_);
        count = guests_.size();
    }
    return WorkerStats{
        count,           pool_.stats(),        scheduler_.stats(),
        frames_.stats(), store_links_.stats(), static_cast<uint64_t>(images_.template_count())};
}

void Worker::destroy_all() {
    operations_.cancel_all();
    std::map<uint64_t, std::shared_ptr<WorkerGuest>> guests;
    {
        std::lock_guard lock(guests_mutex_);
        guests.swap(guests_);
    }
    for (auto& [id, guest] : guests) {
        if (guest->port_key) frames_.remove(*guest->port_key);
        store_links_.close(id);
        scheduler_.remove(guest).reset();
    }
}

void Worker::guest_event(uint64_t id, const GuestEvent& event) {
    std::lock_guard lock(send_mutex_);
    if (event.kind != GuestEvent::Kind::FirstOutput) ended_[id] = event;
    (void)wire::send(config_.control_fd, wire::Type::Event, 0, id, encode_event(event));
}

void Worker::guest_console(uint64_t id, std::string_view bytes) {
    std::lock_guard lock(send_mutex_);
    while (!bytes.empty()) {
        std::string_view chunk = bytes.substr(0, wire::kMaxPayload);
        (void)wire::send(config_.control_fd, wire::Type::Console, 0, id, chunk, wire::kRawPayload);
        bytes.remove_prefix(chunk.size());
    }
}

} // namespace sf::host
