// superfluid toolstack: GuestTable, sfd's view of every guest on the host.
//
// Implements GuestService over a WorkerPool. It checks a request (name, size,
// image, host memory now and the memory live guests are committed to, see
// MemoryBudget, capacity), places the guest with the pool, and keeps each
// guest's record up to date from the workers' events.
//
// Threading: all methods may be called from many threads at once.
#pragma once

#include "common/meminfo.h"
#include "host/console_backlog.h"
#include "host/guest_service.h"
#include "host/guest_store.h"
#include "host/guest_store_gate.h"
#include "host/memory_budget.h"
#include "host/migration/guest_description.h"
#include "host/migration/migration_peers.h"
#include "host/migration/migration_session.h"
#include "host/migration/migration_token.h"
#include "host/net_service.h"
#include "host/snapshot_dir.h"
#include "host/worker_pool.h"
#include "host/worker_process.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sf::host {

struct GuestTableOptions {
    WorkerPoolOptions pool;
    uint64_t mem_reserve = 256ull << 20; // host memory sfd keeps free
    // Live guests' memory sizes add up to at most (MemTotal - mem_reserve) x
    // this (MemoryBudget).
    double overcommit = 1.0;
    WorkerOptions worker;
    NetServiceOptions net;
    // sfd's store (not owned; outlives the table). Set: every guest's record is
    // kept in it (GuestStore) and guests may use their store hypercalls.
    // Null: no records (the benchmark's baseline without the store).
    store::Store* store = nullptr;
    // Set: guests can be migrated to and from hosts sharing this token.
    std::optional<MigrationToken> migration_token;
    std::chrono::milliseconds migration_timeout{5000}; // longest wait for the other side
    // The backend's kind and its one-line description, for /v1/host.
    std::string backend;
    std::string backend_description;
    MigrationPeers migration_peers; // the only hosts guests may be sent to
    // Where save and restore read and write (SnapshotDir); empty: they are refused.
    std::string snapshot_dir;
};

class GuestTable final : public GuestService {
  public:
    // What holds a guest for one long operation; the others wait.
    enum class Busy : uint8_t { No, Saving, Migrating, Arriving };
    static const char* describe(Busy busy); // "being saved", "migrating", "arriving"

    static Result<std::unique_ptr<GuestTable>> create(const GuestTableOptions& options);
    ~GuestTable() override;

    Result<GuestInfo> create(const CreateRequest& request) override;
    Result<GuestInfo> info(const std::string& ref) override;
    Result<std::vector<GuestInfo>> list() override;
    Result<GuestInfo> start(const std::string& ref) override;
    Result<GuestInfo> pause(const std::string& ref) override;
    Result<GuestInfo> resume(const std::string& ref) override;
    Result<void> destroy(const std::string& ref) override;
    Result<std::string> logs(const std::string& ref) override;
    Result<void> follow_console(const std::string& ref, const ConsoleCallback& callback) override;
    Result<HostInfo> host_info() override;
    Result<NetworkInfo> create_network(const CreateNetworkRequest& request) override;
    Result<std::vector<NetworkInfo>> list_networks() override;
    Result<NetworkInfo> network_info(const std::string& name) override;
    Result<void> remove_network(const std::string& name) override;
    Result<SaveResult> save(const std::string& ref, const SaveRequest& request) override;
    Result<GuestInfo> restore(const RestoreRequest& request) override;
    Result<MigrateResult> migrate(const std::string& ref, const MigrateRequest& request) override;

    // A migration arriving on `connection` (MigrationListener's handler).
    // The listener ran the handshake: the peer proved it holds the token, `session` seals the rest.
    void receive_migration(UniqueFd connection, MigrationSession session);

    // Stops every guest and worker (SIGTERM path). Idempotent.
    void shutdown();
    // For tests: the pid of worker slot `index`, or -1.
    pid_t worker_pid(int index) const;

  private:
    // A console follower's bytes wait here for it: a slow one loses the
    // oldest beyond this budget and is told how many (ConsoleBacklog).
    static constexpr size_t kFollowerBacklogBytes = 1u << 20;
    struct Follower {
        ConsoleBacklog backlog{kFollowerBacklogBytes};
        bool ended = false;
    };
    struct Record {
        GuestInfo info;
        uint64_t request_ns = 0;
        bool has_output = false;
        bool in_worker = true; // false once its worker died
        Busy busy = Busy::No; // while one operation holds it, the others wait (Conflict)
        std::optional<uint32_t> port_key; // its NIC's lease (NetService)
        std::vector<std::shared_ptr<Follower>> followers;
    };

    explicit GuestTable(const GuestTableOptions& options);
    // Starts worker `slot`'s process with its frame channel and store record (the pool's Start).
    Result<std::shared_ptr<WorkerProcess>> start_worker(int slot);
    // A restarted sfd with a durable store (guest_table_recovery.cpp).
    Result<void> recover();
    Result<void> adopt(int slot, const std::string& socket);
    void on_event(uint64_t id, const worker_api::GuestEvent& event);
    void on_console(uint64_t id, std::string_view bytes);
    void on_worker_exit(int index, const std::string& how);
    void on_store(int index, uint64_t id, uint64_t request_id, std::string_view message);
    // Opens guest `id`'s store connection, its events going to worker `worker`.
    void open_gate(uint64_t id, const std::shared_ptr<WorkerProcess>& worker);
    WorkerProcess::Callbacks worker_callbacks(int index);
    nlohmann::json store_info() const;
    void end_followers(Record& record);

    struct Located {
        uint64_t id;
        int worker;
        bool in_worker;
    };
    Result<Located> locate(const std::string& ref) const;   // takes mutex_
    Result<uint64_t> resolve(const std::string& ref) const; // needs mutex_
    Result<void> check_request(const CreateRequest& request) const;
    // Needs mutex_: the memory sizes of live (not ended) guests, added up (a
    // walk over every guest); whether a guest of `mem_size` bytes more fits
    // the budget (MemoryBudget), counted into committed_bound_ when it does.
    uint64_t committed_memory() const;
    Result<void> admit_memory(uint64_t mem_size);
    template <class Request> Result<GuestInfo> lifecycle(const std::string& ref, GuestState from, GuestState to);
    // Sends `request` to worker slot `index` (worker_api.h), passing `pass_fd` if >= 0.
    template <class Request>
    Result<typename Request::Reply> call_worker(int index, const Request& request, int pass_fd = -1) {
        return pool_->call(index, request, pass_fd);
    }
    Result<GuestInfo> wait_for_output(uint64_t id, std::chrono::milliseconds timeout);
    struct Placed {
        uint64_t id = 0;
        int worker = -1;
        std::string name;
        std::optional<NicLease> lease;
        GuestInfo info; // as recorded
        std::shared_ptr<WorkerProcess> process;
    };
    Result<Placed> record_guest(const CreateRequest& request, uint64_t request_ns); // takes mutex_
    // What a new record is made of: a create's or an arrival's.
    struct Admission {
        std::string name; // empty: "guest-ID"
        std::string image;
        uint64_t mem_size = 0;
        std::string cmdline;
        GuestState state = GuestState::Created;
        Busy busy = Busy::No;
        uint64_t request_ns = 0;
        // Its NIC's lease, if it has one (admit() binds it to the guest's worker).
        std::function<Result<std::optional<NicLease>>()> nic;
    };
    // Needs mutex_: checks the name and memory, places the guest, leases its
    // NIC (bound to that worker before the guest can send), picks its id and
    // records it. Nothing is kept on an error.
    Result<Placed> admit(const Admission& admission);
    // Writes a placed guest's record to the store (none without one); on an
    // error the guest is forgotten.
    Result<void> store_record(const Placed& placed);
    Result<NicLease> claim_nic(const DescribedNic& nic);
    // Snapshots and migration (guest_table_snapshot.cpp, guest_table_migration.cpp).
    struct Departing { // a guest marked busy while it is saved or migrated away
        uint64_t id = 0;
        int worker = -1;
        GuestInfo info;
        std::optional<uint32_t> port_key;
        bool was_running = false;
    };
    Result<Departing> mark_busy(const std::string& ref, Busy what); // takes mutex_
    void clear_busy(uint64_t id);                                     // takes mutex_
    Result<GuestDescription> describe_guest(const Departing& busy) const;
    // A migration's last record, each way (held_frames.h): returns how many were sent.
    size_t forward_kept_frames(const Departing& busy, int connection, MigrationSession& session);
    void receive_kept_frames(const Placed& placed, int connection, MigrationSession& session);
    // Places a guest arriving from a snapshot or another host: its name, an
    // id (the description's if free), a worker, its exact NIC lease, its
    // record (paused, busy "arriving") and store gate. Nothing kept on an error.
    Result<Placed> record_arrival(const GuestDescription& description, const std::string& name);
    worker_api::GuestSpec arrival_spec(const Placed& placed, const GuestDescription& description) const;
    // The arrived guest's data/ written, state recorded; resumed unless `paused`.
    Result<GuestInfo> settle_arrival(const Placed& placed, const std::vector<DataEntry>& data, bool paused);
    // After a snapshot or a migration: destroys the guest here, or (`keep`)
    // resumes it if the worker left it paused (`paused`) and it was running.
    void finish_departure(const Departing& busy, bool keep, bool paused);
    // `paused`: set once the worker has paused the guest (its save succeeded;
    // a failed worker operation resumes the guest itself).
    Result<SaveResult> write_snapshot(const Departing& busy, const std::string& name, bool& paused);
    Result<const SnapshotDir*> snapshots() const;
    // The sender's side once the handshake authenticated the receiver; every record sealed with `session`
    // (the worker continues it for the guest part); `paused` as above.
    Result<MigrateResult> send_guest(const Departing& busy, int connection, MigrationSession& session,
                                     const std::string& to, bool& paused);
    // The receiver's side; a Reply record {"error"} goes back on failure.
    Result<GuestInfo> accept_guest(int connection, MigrationSession& session);
    Result<uint64_t> allocate_id(); // needs mutex_: the next free id in 1..kMaxDomainId
    // Needs mutex_: writes the record's state to the store (a failure is logged: the table stays right).
    void store_state(const Record& record);
    // Needs mutex_: undoes a failed create (its record, name, load and NIC lease).
    void forget(uint64_t id, const std::string& name, int worker);

    const GuestTableOptions options_;
    std::unique_ptr<NetService> net_; // before the workers: they are bound to its channels
    std::unique_ptr<GuestStore> records_; // null without a store
    std::unique_ptr<GuestStoreGate> gate_; // guests' store hypercalls; null without a store
    std::unique_ptr<SnapshotDir> snapshots_; // null without options_.snapshot_dir
    std::atomic<uint64_t> record_ns_{0}, records_written_{0}; // time creates spent writing records
    mutable MemoryGauge memory_gauge_;
    std::optional<MemoryBudget> memory_budget_; // set by create()
    // Needs mutex_: at least committed_memory(): the exact sum at the last
    // count plus every admission since (guests that end are not taken off).
    // An admission within it walks no guest; one past it counts exactly
    // first, so a refusal is always against the true sum. Unset until the
    // first admission (records recovered at start are counted then).
    std::optional<uint64_t> committed_bound_;
    mutable std::mutex mutex_;
    std::condition_variable changed_; // any record changed
    std::map<uint64_t, Record> guests_;
    std::map<std::string, uint64_t> names_;
    uint64_t next_id_ = 1;
    uint64_t console_dropped_ = 0; // console bytes dropped for slow followers, all guests
    bool shutting_down_ = false;
    // Last: destroyed first, so that its workers' reader threads end while
    // what their callbacks use is still here. Its lock is taken after
    // mutex_, never before.
    std::unique_ptr<WorkerPool> pool_;
};

// The current UTC time, "2026-11-22T03:04:05Z" (records' created_at).
std::string now_rfc3339();

} // namespace sf::host
