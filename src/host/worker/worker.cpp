// superfluid worker: serving sfd's requests.
#include "host/worker/worker.h"

#include "common/json_fields.h"

#include "host/protocol.h"
#include "host/worker/worker_requests.h"
#include "net/mac_address.h"

#include <cstdio>

namespace sf::host {
namespace {

} // namespace

Worker::Worker(WorkerConfig config, std::shared_ptr<const vmm::Backend> backend)
    : config_(config), backend_(std::move(backend)),
      store_links_([this](uint64_t request_id, uint64_t guest_id, std::string_view message) {
          std::lock_guard lock(send_mutex_);
          return wire::send(config_.control_fd, wire::Type::Store, request_id, guest_id, message, wire::kRawPayload);
      }),
      pool_(backend_, config.pool_target),
      scheduler_(config.runners, config.slice_ns, *this), frames_(config.frame_fd, scheduler_),
      operations_([this](uint64_t request_id, const Result<nlohmann::json>& outcome) { reply(request_id, outcome); }) {
    frames_.start();
}

Worker::~Worker() { destroy_all(); }

int Worker::serve() {
    if (!config_.listen_path.empty())
        if (Result<void> listening = listen(); !listening) {
            std::fprintf(stderr, "sf-worker %d: %s\n", config_.index, listening.error().message.c_str());
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
            const bool closed = message.error().message == "closed";
            if (!closed) std::fprintf(stderr, "sf-worker %d: %s\n", config_.index, message.error().message.c_str());
            return closed ? Ended::Lost : Ended::Failed;
        }
        if (message->type() == wire::Type::Store) {
            store_links_.receive(message->header.request_id, message->header.guest_id, message->payload);
            continue;
        }
        if (message->type() != wire::Type::Request) continue;
        nlohmann::json request = nlohmann::json::parse(message->payload, nullptr, false);
        const uint64_t rid = message->header.request_id;
        if (request.is_object() && is_long_operation(string_field(request, "op"))) {
            if (Result<void> launched = launch(request, rid, std::move(message->fd)); !launched)
                reply(rid, launched.error());
            continue;
        }
        std::string raw;
        Result<nlohmann::json> reply = request.is_object() ? handle(request, raw)
                                                            : Result<nlohmann::json>(error("malformed request"));
        std::lock_guard lock(send_mutex_);
        if (reply && !raw.empty()) (void)wire::send(config_.control_fd, wire::Type::Reply, rid, 0, raw, wire::kRawPayload);
        else (void)wire::send(config_.control_fd, wire::Type::Reply, rid, 0, (reply ? *reply : error_reply(reply.error())).dump());
        if (string_field(request, "op") == "shutdown") return Ended::Shutdown;
    }
}

Result<nlohmann::json> Worker::handle(const nlohmann::json& request, std::string& raw_reply) {
    const std::string op = string_field(request, "op");
    if (op == "create") return create(request);
    if (op == "stats") return stats();
    if (op == "adopt") return adopt();
    if (op == "replay_watches") return nlohmann::json{{"ok", true}, {"watches", store_links_.replay_watches()}};
    if (op == "shutdown") {
        destroy_all();
        return nlohmann::json{{"ok", true}};
    }
    SF_TRY_ASSIGN(uint64_t id, field_u64(request, "id"));
    if (op == "destroy") return destroy(id);
    SF_TRY_ASSIGN(std::shared_ptr<WorkerGuest> guest, find(id));
    if ((op == "start" || op == "pause" || op == "resume") && operations_.busy(id))
        return error(ErrorKind::Conflict, "guest {} is being saved or migrated", id);
    if (op == "start") SF_TRY(scheduler_.start(guest));
    else if (op == "pause") SF_TRY(scheduler_.pause(guest));
    else if (op == "resume") {
        if (guest->port_key) frames_.release(*guest->port_key); // frames kept by a failed migration's pause
        SF_TRY(scheduler_.resume(guest));
    }
    else if (op == "unfollow") guest->unfollow();
    else if (op == "logs" || op == "follow") {
        raw_reply = op == "follow" ? guest->follow() : guest->console_contents();
        if (raw_reply.empty()) return nlohmann::json{{"ok", true}, {"empty", true}};
    } else if (op != "info") return error(ErrorKind::InvalidArgument, "unknown op '{}'", op);
    return nlohmann::json{{"ok", true}, {"console_bytes", guest->console_total()}};
}

Result<nlohmann::json> Worker::create(const nlohmann::json& request) {
    SF_TRY_ASSIGN(NewGuest fresh, prepare_guest(request));
    auto memory_template = images_.get(string_field(request, "image"), fresh.config.mem_size);
    Result<vmm::Shell> shell = memory_template ? pool_.take() : Result<vmm::Shell>(memory_template.error());
    auto vm = shell ? vmm::Guest::create(std::move(*shell), backend_->memory_sharing(), **memory_template, fresh.config,
                                                *fresh.guest)
                    : Result<std::unique_ptr<vmm::Guest>>(shell.error());
    if (!vm) {
        abandon(fresh);
        return std::move(vm).error();
    }
    SF_TRY(register_guest(fresh, std::move(*vm)));
    if (bool_field(request, "start", true)) SF_TRY(scheduler_.start(fresh.guest));
    return nlohmann::json{{"ok", true}};
}

// create's and restore's fields: {"id", "name", "mem", "cmdline", "nic"?, "store"?}.
Result<Worker::NewGuest> Worker::prepare_guest(const nlohmann::json& request) {
    NewGuest fresh;
    SF_TRY_ASSIGN(fresh.config.id, field_u64(request, "id"));
    SF_TRY_ASSIGN(fresh.config.mem_size, field_u64(request, "mem"));
    fresh.config.name = string_field(request, "name");
    fresh.config.cmdline = string_field(request, "cmdline");
    SF_TRY(fresh.config.validate());
    if (auto it = request.find("nic"); it != request.end() && it->is_object()) {
        SF_TRY_ASSIGN(auto nic, make_nic(*it));
        fresh.port_key = static_cast<uint32_t>(u64_field(*it, "port"));
        fresh.config.nics.push_back(std::move(nic));
    }
    fresh.guest = std::make_shared<WorkerGuest>(fresh.config.id, config_.ring_size, *this);
    if (!config_.log_dir.empty())
        SF_TRY(fresh.guest->open_log(config_.log_dir + "/" + fresh.config.name + ".log", config_.log_max_bytes));
    if (bool_field(request, "store", false)) {
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

// {"port": key, "mac": "02:..", "ip", "mask", "gw": host-order numbers, "mtu"}
Result<std::shared_ptr<vmm::Nic>> Worker::make_nic(const nlohmann::json& nic) {
    vmm::NicConfig config;
    Result<net::MacAddress> mac = net::MacAddress::parse(string_field(nic, "mac"));
    if (!mac) return error(ErrorKind::InvalidArgument, "nic: {}", mac.error().message);
    config.mac = mac->bytes();
    config.ipv4_addr = static_cast<uint32_t>(u64_field(nic, "ip"));
    config.ipv4_mask = static_cast<uint32_t>(u64_field(nic, "mask"));
    config.ipv4_gw = static_cast<uint32_t>(u64_field(nic, "gw"));
    config.mtu = static_cast<uint16_t>(u64_field(nic, "mtu", 1500));
    const auto port = static_cast<uint32_t>(u64_field(nic, "port"));
    return std::make_shared<vmm::Nic>(config, [this, port](std::span<const uint8_t> frame) {
        frames_.transmit(port, frame);
    });
}

// The guest's store port: its watch events wake it like a frame would.
Result<std::shared_ptr<vmm::StorePort>> Worker::open_store(const std::shared_ptr<WorkerGuest>& guest) {
    return store_links_.open(guest->id(), [this, weak = std::weak_ptr<WorkerGuest>(guest)] {
        if (auto g = weak.lock()) scheduler_.notify(g);
    });
}

Result<nlohmann::json> Worker::destroy(uint64_t id) {
    operations_.cancel(id); // a save or migration of it ends first (failed)
    return remove_guest(id);
}

Result<nlohmann::json> Worker::remove_guest(uint64_t id) {
    std::shared_ptr<WorkerGuest> guest;
    {
        std::lock_guard lock(guests_mutex_);
        auto it = guests_.find(id);
        if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {} in this worker", id);
        guest = std::move(it->second);
        guests_.erase(it);
    }
    if (guest->port_key) frames_.remove(*guest->port_key);
    store_links_.close(id); // a store request it waits for fails now, not after the timeout
    scheduler_.remove(guest).reset(); // frees the VM here, on this thread
    {
        std::lock_guard lock(send_mutex_);
        ended_.erase(id);
    }
    return nlohmann::json{{"ok", true}};
}

Result<std::shared_ptr<WorkerGuest>> Worker::find(uint64_t id) {
    std::lock_guard lock(guests_mutex_);
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "no guest {} in this worker", id);
    return it->second;
}

Result<nlohmann::json> Worker::stats() {
    size_t count;
    {
        std::lock_guard lock(guests_mutex_);
        count = guests_.size();
    }
    return nlohmann::json{{"ok", true},
                          {"guests", count},
                          {"pool", pool_.stats()},
                          {"scheduler", scheduler_.stats()},
                          {"frames", frames_.stats()},
                          {"store", store_links_.stats()},
                          {"templates", images_.template_count()}};
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

void Worker::guest_event(uint64_t id, const nlohmann::json& event) {
    std::lock_guard lock(send_mutex_);
    if (const std::string kind = string_field(event, "event"); kind == "exited" || kind == "crashed") ended_[id] = event;
    (void)wire::send(config_.control_fd, wire::Type::Event, 0, id, event.dump());
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
