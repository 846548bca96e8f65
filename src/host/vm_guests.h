// superfluid toolstack: VmGuests, the guest kind "a VM in a worker process".
//
// Owns the WorkerPool. Builds, changes and stops VMs by calling their worker
// (worker_api.h), and turns what the workers say (events, console bytes,
// store requests, a worker's death) into the registry's records. Opens each
// VM's store connection (GuestStoreGate) towards its worker. Snapshots and
// migrations, which only VMs have, call the workers through call().
//
// Threading: every method from any thread; the workers' callbacks come on
// their reader threads and take the registry's lock, never with the pool's.
#pragma once

#include "host/guest_kind.h"
#include "host/guest_registry.h"
#include "host/guest_store.h"
#include "host/guest_store_gate.h"
#include "host/net_service.h"
#include "host/worker_pool.h"
#include "host/worker_process.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sf::host {

struct VmGuestsOptions {
    WorkerPoolOptions pool;
    WorkerOptions worker;
    // Not owned; each outlives VmGuests. Null gate and records: no store.
    GuestRegistry* registry = nullptr;
    NetService* net = nullptr;
    GuestStore* records = nullptr;
    GuestStoreGate* gate = nullptr;
};

class VmGuests final : public GuestKind {
  public:
    explicit VmGuests(VmGuestsOptions options);
    ~VmGuests() override; // shutdown()

    std::string_view name() const override { return "vm"; }
    // The memory size, an absolute image path, the command line's length.
    Result<void> check(const CreateRequest& request) override;
    std::pair<std::string, std::string> describe(const CreateRequest& request) const override {
        return {request.image, request.cmdline};
    }
    Result<int> place() override;
    void release(const GuestRef& guest, bool held) override;
    void bind_nic(uint32_t port_key, int where) override;
    Result<void> create(const GuestLaunch& launch) override;
    Result<void> change(const GuestRef& guest, GuestChange change) override;
    Result<void> destroy(const GuestRef& guest) override;
    Result<uint64_t> console_bytes(const GuestRef& guest) override;
    Result<std::string> logs(const GuestRef& guest) override;
    Result<std::string> follow(const GuestRef& guest) override;
    void unfollow(const GuestRef& guest) override;
    // {"workers": [each worker's figures], "max_workers", "guests_per_worker", "max_guests_per_worker"}
    nlohmann::json figures() override;

    // Recovery: puts the worker an earlier sfd left in `slot` (its socket)
    // back, takes over the records of the guests it holds and destroys the
    // guests it holds without one (sfd died creating them).
    Result<void> adopt(int slot, const std::string& socket);
    // Starts a worker in every slot still empty (after recovery).
    Result<void> start_workers() { return pool_.start_all(); }

    // Whether guests have store connections (their store hypercalls work).
    bool has_store() const { return options_.gate != nullptr; }
    // Opens guest `guest`'s store connection towards its worker.
    void open_gate(const GuestRef& guest);
    // A worker's spec of a guest (create, restore, an arrival).
    worker_api::GuestSpec spec(const GuestLaunch& launch) const;
    // Sends `request` to the worker at `where` (worker_api.h), passing `pass_fd` if >= 0.
    template <class Request>
    Result<typename Request::Reply> call(int where, const Request& request, int pass_fd = -1) {
        return pool_.call(where, request, pass_fd);
    }

    // Stops every worker (each given `grace` to end). Idempotent.
    void shutdown(std::chrono::milliseconds grace) { pool_.shutdown(grace); }

  private:
    Result<std::shared_ptr<WorkerProcess>> start_worker(int slot); // the pool's Start
    WorkerProcess::Callbacks callbacks(int slot);
    void on_event(uint64_t id, const worker_api::GuestEvent& event);
    void on_worker_exit(int slot, const std::string& how);
    void on_store(int slot, uint64_t id, uint64_t request_id, std::string_view message);
    // Needs a pair of connected sockets: the worker's end of its frame channel, sfd's.
    Result<std::pair<UniqueFd, UniqueFd>> frame_channel();

    const VmGuestsOptions options_;
    GuestRegistry& registry_;
    // Last: destroyed first, so that its workers' reader threads end while
    // what their callbacks use is still here.
    WorkerPool pool_;
};

} // namespace sf::host
