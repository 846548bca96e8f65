// superfluid toolstack: the guest table (creation, placement, records, events).
#include "host/guest_table.h"

#include "host/create_request_parser.h"

#include <cstdio>

#include "vmm/guest_clock.h"
#include "vmm/guest_memory.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace sf::host {
std::string now_rfc3339() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

GuestTable::GuestTable(const GuestTableOptions& options)
    : options_(options),
      pool_(std::make_unique<WorkerPool>(options.pool, [this](int slot) { return start_worker(slot); })) {}

Result<std::unique_ptr<GuestTable>> GuestTable::create(const GuestTableOptions& options) {
    if (options.pool.workers < 1) return error(ErrorKind::InvalidArgument, "at least one worker is needed");
    std::unique_ptr<GuestTable> table(new GuestTable(options));
    SF_TRY_ASSIGN(const uint64_t mem_total, sf::mem_total());
    SF_TRY_ASSIGN(table->memory_budget_,
                  MemoryBudget::create(mem_total, options.mem_reserve, options.overcommit));
    if (!options.snapshot_dir.empty()) {
        SF_TRY_ASSIGN(table->snapshots_, SnapshotDir::open(options.snapshot_dir));
    }
    SF_TRY_ASSIGN(table->net_, NetService::create(options.net));
    if (options.store) {
        table->records_ = std::make_unique<GuestStore>(*options.store);
        table->gate_ = std::make_unique<GuestStoreGate>(*options.store);
    }
    if (table->records_ && !options.worker.listen_dir.empty()) SF_TRY(table->recover());
    SF_TRY(table->pool_->start_all()); // every slot recovery did not fill
    return table;
}

GuestTable::~GuestTable() {
    shutdown();
    pool_.reset(); // joins the workers' reader threads while the table still exists
}

Result<std::shared_ptr<WorkerProcess>> GuestTable::start_worker(int slot) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return error("socketpair failed: {}", std::strerror(errno));
    UniqueFd ours(fds[0]), theirs(fds[1]);
    SF_TRY_ASSIGN(std::unique_ptr<WorkerProcess> worker,
                  WorkerProcess::spawn(slot, options_.worker, theirs.get(), worker_callbacks(slot)));
    if (records_ && !options_.worker.listen_dir.empty())
        if (Result<void> stored = records_->put_worker(
                {slot, worker->pid(), worker_socket_path(options_.worker.listen_dir, slot)});
            !stored)
            std::fprintf(stderr, "sfd: worker %d: %s\n", slot, stored.error().message.c_str());
    net_->attach_worker(slot, std::move(ours));
    return std::shared_ptr<WorkerProcess>(std::move(worker));
}

WorkerProcess::Callbacks GuestTable::worker_callbacks(int index) {
    WorkerProcess::Callbacks callbacks;
    callbacks.on_event = [this](uint64_t id, const worker_api::GuestEvent& e) { on_event(id, e); };
    callbacks.on_console = [this](uint64_t id, std::string_view bytes) { on_console(id, bytes); };
    callbacks.on_exit = [this](int i, const std::string& how) { on_worker_exit(i, how); };
    callbacks.on_store = [this, index](uint64_t id, uint64_t rid, std::string_view m) {
        on_store(index, id, rid, m);
    };
    return callbacks;
}

Result<void> GuestTable::check_request(const CreateRequest& request) const {
    SF_TRY(vmm::GuestMemory::check_size(request.mem_size));
    if (request.image.empty() || request.image[0] != '/')
        return error(ErrorKind::InvalidArgument, "image path '{}' is not absolute", request.image);
    // The worker reads and checks the image (once per file version, see ImageCache).
    if (request.cmdline.size() > kMaxCmdlineBytes)
        return error(ErrorKind::InvalidArgument, "command line is {} bytes; the maximum is {}", request.cmdline.size(),
                     kMaxCmdlineBytes);
    Result<uint64_t> available = memory_gauge_.available();
    if (available && *available < options_.mem_reserve)
        return error(ErrorKind::ResourceExhausted,
                     "not enough host memory: {} MiB available and sfd keeps {} MiB free", *available >> 20,
                     options_.mem_reserve >> 20);
    return ok();
}

uint64_t GuestTable::committed_memory() const {
    uint64_t committed = 0;
    for (const auto& [id, record] : guests_)
        if (!has_ended(record.info.state)) committed += record.info.mem_size;
    return committed;
}

Result<void> GuestTable::admit_memory(uint64_t mem_size) {
    if (!committed_bound_ || !memory_budget_->admit(*committed_bound_, mem_size)) {
        committed_bound_ = committed_memory(); // exact: the first time, or near the limit
        SF_TRY(memory_budget_->admit(*committed_bound_, mem_size));
    }
    *committed_bound_ += mem_size;
    return ok();
}

Result<GuestInfo> GuestTable::create(const CreateRequest& request) {
    const uint64_t request_ns = vmm::host_monotonic_ns();
    SF_TRY(check_request(request));
    if (request.net.empty() && !request.ip.empty())
        return error(ErrorKind::InvalidArgument, "an address (ip) needs a network (net)");
    SF_TRY_ASSIGN(const Placed placed, record_guest(request, request_ns));
    if (records_) {
        const uint64_t t0 = vmm::host_monotonic_ns();
        Result<void> stored = store_record(placed);
        record_ns_ += vmm::host_monotonic_ns() - t0; // a create's time writing its record (/v1/host)
        ++records_written_;
        SF_TRY(std::move(stored));
        open_gate(placed.id, placed.process);
    }
    worker_api::Create message{{placed.id, placed.name, request.image, request.mem_size, request.cmdline,
                                request.start, gate_ != nullptr,
                                placed.lease ? std::optional(placed.lease->worker_nic()) : std::nullopt}};
    if (Result<worker_api::Done> reply = call_worker(placed.worker, message); !reply) {
        std::lock_guard lock(mutex_);
        forget(placed.id, placed.name, placed.worker);
        return std::move(reply).error();
    }
    // From here the guest exists: an error (no output in time) leaves it, and its NIC, in place.
    if (request.start && request.wait_for_output) return wait_for_output(placed.id, request.wait_timeout);
    std::lock_guard lock(mutex_);
    auto it = guests_.find(placed.id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", placed.id);
    return it->second.info;
}

Result<GuestTable::Placed> GuestTable::record_guest(const CreateRequest& request, uint64_t request_ns) {
    Admission admission{request.name, request.image, request.mem_size, request.cmdline,
                        request.start ? GuestState::Running : GuestState::Created, Busy::No, request_ns,
                        [&]() -> Result<std::optional<NicLease>> {
                            if (request.net.empty()) return std::optional<NicLease>();
                            SF_TRY_ASSIGN(NicLease lease, net_->lease(request.net, request.ip));
                            return std::optional<NicLease>(std::move(lease));
                        }};
    std::lock_guard lock(mutex_);
    return admit(admission);
}

Result<GuestTable::Placed> GuestTable::admit(const Admission& a) {
    if (shutting_down_) return error(ErrorKind::Unavailable, "sfd is shutting down");
    if (!a.name.empty() && names_.count(a.name))
        return error(ErrorKind::Conflict, "a guest named '{}' exists already", a.name);
    SF_TRY(admit_memory(a.mem_size));
    Placed placed;
    SF_TRY_ASSIGN(placed.worker, pool_->place());
    SF_TRY_ASSIGN(placed.process, pool_->at(placed.worker));
    SF_TRY_ASSIGN(placed.lease, a.nic());
    if (placed.lease) net_->bind(placed.lease->port_key, placed.worker); // before the guest can send
    Result<uint64_t> id = allocate_id();
    if (!id) {
        if (placed.lease) net_->release(placed.lease->port_key);
        return std::move(id).error();
    }
    placed.id = *id;
    Record record;
    record.info = GuestInfo{placed.id, a.name.empty() ? fmt::format("guest-{}", placed.id) : a.name,
                            a.image, a.mem_size, a.cmdline, a.state, {}, {}, placed.worker, now_rfc3339(), {}, 0, {}};
    record.request_ns = a.request_ns;
    record.busy = a.busy;
    if (placed.lease) {
        record.info.nic = placed.lease->info();
        record.port_key = placed.lease->port_key;
    }
    placed.name = record.info.name;
    placed.info = record.info;
    names_[placed.name] = placed.id;
    guests_.emplace(placed.id, std::move(record));
    pool_->count_guest(placed.worker);
    return placed;
}

Result<void> GuestTable::store_record(const Placed& placed) {
    if (!records_) return ok();
    Result<void> stored = records_->put_guest(placed.info, options_.worker.settings.ring_size,
                                              placed.lease ? std::optional(placed.lease->port_key) : std::nullopt);
    if (!stored) {
        std::lock_guard lock(mutex_);
        forget(placed.id, placed.name, placed.worker);
        return std::move(stored).error();
    }
    return ok();
}

Result<uint64_t> GuestTable::allocate_id() {
    if (guests_.size() >= store::kMaxDomainId)
        return error(ErrorKind::ResourceExhausted, "host is full: {} guests", guests_.size());
    for (;;) {
        const uint64_t id = next_id_;
        next_id_ = next_id_ >= store::kMaxDomainId ? 1 : next_id_ + 1;
        if (!guests_.count(id)) return id;
    }
}

void GuestTable::store_state(const Record& record) {
    if (!records_) return;
    if (Result<void> stored = records_->put_state(record.info); !stored)
        std::fprintf(stderr, "sfd: guest %s: %s\n", record.info.name.c_str(), stored.error().message.c_str());
}

void GuestTable::open_gate(uint64_t id, const std::shared_ptr<WorkerProcess>& worker) {
    if (!gate_) return;
    std::weak_ptr<WorkerProcess> weak = worker;
    gate_->open(id, [id, weak](uint64_t request_id, std::string_view message) {
        if (auto w = weak.lock()) (void)w->send_store(id, request_id, message);
    });
}

// A guest's store request, on its worker's reader thread (never with mutex_
// held): only for a guest that this worker hosts.
void GuestTable::on_store(int index, uint64_t id, uint64_t request_id, std::string_view message) {
    if (!gate_) return;
    {
        std::lock_guard lock(mutex_);
        auto it = guests_.find(id);
        if (it == guests_.end() || !it->second.in_worker || it->second.info.worker != index) return;
    }
    Result<std::shared_ptr<WorkerProcess>> worker = pool_->at(index);
    if (worker) (void)(*worker)->send_store(id, request_id, gate_->handle(id, message));
}

void GuestTable::forget(uint64_t id, const std::string& name, int worker) {
    if (gate_) gate_->close(id);
    if (records_) (void)records_->remove_guest(id);
    if (auto it = guests_.find(id); it != guests_.end() && it->second.port_key) net_->release(*it->second.port_key);
    names_.erase(name);
    guests_.erase(id);
    pool_->release_guest(worker);
    changed_.notify_all();
}

Result<GuestInfo> GuestTable::wait_for_output(uint64_t id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto done = [&] {
        auto it = guests_.find(id);
        return it == guests_.end() || it->second.has_output || has_ended(it->second.info.state);
    };
    if (!changed_.wait_for(lock, timeout, done))
        return error(ErrorKind::Unavailable, "guest {} wrote nothing to its console within {} ms (it runs on)", id,
                     timeout.count());
    auto it = guests_.find(id);
    if (it == guests_.end()) return error(ErrorKind::NotFound, "guest {} was destroyed meanwhile", id);
    return it->second.info;
}

Result<uint64_t> GuestTable::resolve(const std::string& ref) const {
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
    if (ec == std::errc() && end == ref.data() + ref.size() && guests_.count(id)) return id;
    auto it = names_.find(ref);
    if (it != names_.end()) return it->second;
    return error(ErrorKind::NotFound, "no guest '{}'", ref);
}

} // namespace sf::host
