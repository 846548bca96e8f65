// superfluid toolstack: Host, sfd's objects put together (docs/architecture.md).
//
// Makes, in order: the NetService, the store's records and gate, the
// GuestRegistry, the VM kind (VmGuests, with its WorkerPool), the container
// kind (ContainerGuests, its monitor started on first use); runs recovery
// (host_recovery.h) once with a durable store; starts the workers; then the
// API's services over them: Guests, Networks, and the transfers (Snapshots
// and Migrations over GuestMoves).
//
// Threading: services() and receive_migration() from any thread.
#pragma once

#include "host/container_guests.h"
#include "host/guest_moves.h"
#include "host/guest_registry.h"
#include "host/guest_service.h"
#include "host/guest_store.h"
#include "host/guest_store_gate.h"
#include "host/guests.h"
#include "host/migrations.h"
#include "host/net_service.h"
#include "host/networks.h"
#include "host/snapshots.h"
#include "host/vm_guests.h"

#include <memory>
#include <string>

namespace sf::host {

struct HostOptions {
    WorkerPoolOptions pool;
    uint64_t mem_reserve = 256ull << 20; // host memory sfd keeps free
    // Live guests' memory sizes add up to at most (MemTotal - mem_reserve) x
    // this (MemoryBudget).
    double overcommit = 1.0;
    WorkerOptions worker;
    NetServiceOptions net;
    // sfd's store (not owned; outlives the host). Set: every guest's record is
    // kept in it (GuestStore) and guests may use their store hypercalls.
    // Null: no records (the benchmark's baseline without the store).
    store::Store* store = nullptr;
    MigrationsOptions migration;
    // The backend's kind and its one-line description, for /v1/host.
    std::string backend;
    std::string backend_description;
    // Where save and restore read and write (SnapshotDir); empty: they are refused.
    std::string snapshot_dir;
    // Containers ("kind": "container"): made when `containers.monitor_program` is set (sfd sets it);
    // its registry and, with a durable store, `keep` are filled in here.
    ContainerGuestsOptions containers;
};

// The API's transfers: snapshots and migrations.
class Transfers final : public TransferService {
  public:
    Transfers(Snapshots& snapshots, Migrations& migrations)
        : snapshots_(snapshots), migrations_(migrations) {}
    Result<SaveResult> save(const std::string& ref, const SaveRequest& request) override {
        return snapshots_.save(ref, request);
    }
    Result<GuestInfo> restore(const RestoreRequest& request) override { return snapshots_.restore(request); }
    Result<MigrateResult> migrate(const std::string& ref, const MigrateRequest& request) override {
        return migrations_.migrate(ref, request);
    }

  private:
    Snapshots& snapshots_;
    Migrations& migrations_;
};

class Host {
  public:
    static Result<std::unique_ptr<Host>> create(const HostOptions& options);
    ~Host(); // shutdown()
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    ApiServices services() { return {*guests_, *networks_, *transfers_}; }
    // A migration arriving (MigrationListener's handler).
    void receive_migration(UniqueFd connection, MigrationSession session) {
        migrations_->receive(std::move(connection), std::move(session));
    }
    // Stops every guest and worker (SIGTERM path) and clears the store's records. Idempotent.
    void shutdown();

  private:
    explicit Host(const HostOptions& options) : options_(options) {}

    const HostOptions options_;
    // In the order they are made; destroyed the other way round, so that the
    // workers (in vms_) end while what their callbacks use is still here.
    std::unique_ptr<NetService> net_;
    std::unique_ptr<GuestStore> records_;  // null without a store
    std::unique_ptr<GuestStoreGate> gate_; // guests' store hypercalls; null without a store
    std::unique_ptr<GuestRegistry> registry_;
    std::unique_ptr<VmGuests> vms_;
    std::unique_ptr<ContainerGuests> containers_; // null: containers are refused
    std::unique_ptr<Guests> guests_;
    std::unique_ptr<Networks> networks_;
    std::unique_ptr<GuestMoves> moves_;
    std::unique_ptr<Snapshots> snapshots_;
    std::unique_ptr<Migrations> migrations_;
    std::unique_ptr<Transfers> transfers_;
};

} // namespace sf::host
