// superfluid toolstack: GuestRegistry, sfd's records of every guest on the
// host: names, ids, state, what holds one busy, its console followers, and
// the memory live guests are committed to (MemoryBudget).
//
// A guest enters by admit(), which checks its name and memory, places it with
// its kind, leases its NIC and picks its id, all under one lock, and returns
// a Reservation: the record exists from then on, and leaves again with
// everything admit() took (its kind's placement, its NIC lease, its store
// record) when the Reservation is dropped without keep(). destroy and every
// failed create, restore or arrival end a guest through the same remove().
//
// With a GuestStore the records are kept in the store: every change of
// state is written through (a failure is logged: the registry stays right).
//
// Threading: every method from any thread. Its lock is taken before a
// kind's (WorkerPool's) and NetService's, never after; the kind's
// place()/release() run under it.
#pragma once

#include "common/meminfo.h"
#include "host/console_backlog.h"
#include "host/guest_kind.h"
#include "host/guest_service.h"
#include "host/guest_store.h"
#include "host/memory_budget.h"
#include "host/net_service.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sf::host {

// What holds a guest for one long operation; the others wait (Conflict).
enum class Busy : uint8_t { No, Saving, Migrating, Arriving };
const char* describe(Busy busy); // "idle", "being saved", "migrating", "arriving"

// A guest's record, as copied out of the registry.
struct GuestEntry {
    GuestInfo info;
    GuestKind* kind = nullptr;
    bool held = true; // its kind still holds it (false once its worker died)
    Busy busy = Busy::No;
    std::optional<uint32_t> port_key; // its NIC's lease (NetService)
    GuestRef ref() const { return {info.id, info.worker}; }
};

// What a new record is made of: a create's or an arrival's.
struct Admission {
    GuestKind* kind = nullptr;
    std::string name; // empty: "guest-ID"
    std::string image;
    uint64_t mem_size = 0;
    std::string cmdline;
    GuestState state = GuestState::Created;
    Busy busy = Busy::No;
    uint64_t request_ns = 0; // first_output_ms counts from here (0: not counted)
    // Its NIC's lease, if it has one (called under the registry's lock; the
    // lease is bound to the guest's placement before admit() returns).
    std::function<Result<std::optional<NicLease>>()> nic;
};

struct RegistryOptions {
    MemoryBudget budget;
    uint64_t mem_reserve = 256ull << 20; // host memory sfd keeps free
    NetService* net = nullptr;           // the NIC leases (not owned)
    GuestStore* records = nullptr;       // not owned; null: no records kept
    uint64_t ring_size = 0;              // each guest's console ring, for its store record
};

class GuestRegistry {
  public:
    class Reservation;
    // A console follower's bytes wait here for it: a slow one loses the
    // oldest beyond this budget and is told how many (ConsoleBacklog).
    static constexpr size_t kFollowerBacklogBytes = 1u << 20;

    explicit GuestRegistry(RegistryOptions options);
    GuestRegistry(const GuestRegistry&) = delete;
    GuestRegistry& operator=(const GuestRegistry&) = delete;

    // Checks the name and the memory, places the guest with its kind, leases
    // its NIC, picks its id (the next free one in 1..kMaxDomainId) and
    // records it. Nothing is kept on an error.
    Result<Reservation> admit(const Admission& admission);
    // ResourceExhausted when the host has less memory available than sfd keeps free.
    Result<void> check_free_memory() const;
    // Writes an admitted guest's record to the store (none without one).
    Result<void> store(const Reservation& reservation);

    // `ref` is a decimal id or a name.
    Result<GuestEntry> find(const std::string& ref) const;
    std::optional<GuestEntry> find(uint64_t id) const;
    std::vector<GuestInfo> list() const;
    // Whether guest `id` is held by `kind` at `where` (a worker's store request).
    bool holds(uint64_t id, const GuestKind* kind, int where) const;

    // The guest `ref` if it is idle and `from`; Conflict naming `op` otherwise.
    Result<GuestEntry> ready_for(const std::string& ref, GuestState from, std::string_view op) const;
    // Records `to` unless the guest left `from` meanwhile (it ended).
    Result<GuestInfo> changed(uint64_t id, GuestState from, GuestState to);
    Result<GuestInfo> set_console_bytes(uint64_t id, uint64_t bytes);
    // Waits until guest `id` wrote its first console byte. Conflict if it
    // ended first (its record stays), Unavailable after `timeout`.
    Result<GuestInfo> wait_for_output(uint64_t id, std::chrono::milliseconds timeout);

    // A running or paused guest held idle for one long operation (Conflict otherwise).
    Result<GuestEntry> mark_busy(const std::string& ref, Busy what);
    void clear_busy(uint64_t id);
    // An arrival is done: idle again, and running unless `paused`.
    Result<GuestInfo> settle(uint64_t id, bool paused);
    // Conflict while the guest is busy.
    Result<GuestEntry> idle(const std::string& ref) const;
    // Removes the record (its NIC lease, its store record, its kind's
    // placement) and ends its followers. NotFound if it is gone.
    Result<void> remove(uint64_t id);

    // Worker events.
    void first_output(uint64_t id, uint64_t t_ns);
    void ended(uint64_t id, GuestState state, std::optional<int32_t> status, std::string reason);
    void console(uint64_t id, std::string_view bytes);
    // Every guest `kind` holds at `where` crashed with it (`reason`); `lost`
    // is called, under the lock, for each one still held.
    void holder_lost(const GuestKind* kind, int where, const std::string& reason,
                     const std::function<void(uint64_t id)>& lost);

    // Console followers: the ring's content through `snapshot`, then every
    // new chunk, until `callback` returns false or the guest ends.
    using Snapshot = std::function<Result<std::string>(const GuestEntry&)>;
    Result<void> follow(const std::string& ref, const Snapshot& snapshot, const ConsoleCallback& callback,
                        const std::function<void(const GuestEntry&)>& unfollow);

    // Recovery (a restarted sfd, before the API starts): the stored records,
    // not held until their holder is adopted.
    void recover(const std::vector<GuestEntry>& entries);
    // What an adopted holder says of a guest it holds.
    struct HeldState {
        GuestState state = GuestState::Running;
        std::optional<int32_t> status;
        std::optional<std::string> reason;
        uint64_t console_bytes = 0;
    };
    // A recovered guest found in its adopted holder: false if it has no record there.
    bool adopted(uint64_t id, const GuestKind* kind, int where, const HeldState& held);
    // The recovered guests not adopted and not ended, marked crashed with
    // `reason(info)`; returns how many.
    size_t mark_unadopted(const std::function<std::string(const GuestInfo&)>& reason);

    struct Figures {
        size_t guests = 0;
        nlohmann::json states; // {"Running": N, ...}
        uint64_t committed = 0, commit_limit = 0;
        uint64_t console_dropped = 0; // console bytes dropped for slow followers, all guests
    };
    Figures figures() const;

    // Refuses admissions from now on; true the first time.
    bool shut_down();
    bool shutting_down() const;
    // Ends every console follow (the holders are stopped).
    void end_all_follows();
    // Gives every guest's NIC back to the network service (a graceful stop, the holders stopped): a
    // container's leased namespace is deleted, as it is when the container is destroyed.
    void release_all_nics();

  private:
    struct Follower {
        ConsoleBacklog backlog{kFollowerBacklogBytes};
        bool ended = false;
    };
    struct Record {
        GuestEntry entry;
        uint64_t serial = 0; // which admission made it (a Reservation removes only its own)
        uint64_t request_ns = 0;
        bool has_output = false;
        std::vector<std::shared_ptr<Follower>> followers;
    };

    Result<uint64_t> resolve(const std::string& ref) const; // needs mutex_
    Result<uint64_t> allocate_id();                         // needs mutex_
    uint64_t committed_memory() const;                      // needs mutex_: live guests' memory, added up
    Result<void> admit_memory(uint64_t mem_size);           // needs mutex_
    void store_state(const Record& record);                 // needs mutex_
    void remove(std::map<uint64_t, Record>::iterator it);   // needs mutex_
    void release(uint64_t id, uint64_t serial);             // a Reservation dropped unkept
    static void end_followers(Record& record);

    const RegistryOptions options_;
    mutable MemoryGauge memory_gauge_;
    mutable std::mutex mutex_;
    std::condition_variable changed_; // any record changed
    std::map<uint64_t, Record> guests_;
    std::map<std::string, uint64_t> names_;
    uint64_t next_id_ = 1;
    uint64_t next_serial_ = 1;
    // At least committed_memory(): the exact sum at the last count plus every
    // admission since (guests that end are not taken off). An admission
    // within it walks no guest; one past it counts exactly first, so a
    // refusal is always against the true sum. Unset until the first admission.
    std::optional<uint64_t> committed_bound_;
    uint64_t console_dropped_ = 0;
    bool shutting_down_ = false;
};

// An admitted guest; its record leaves again unless keep() is called.
class GuestRegistry::Reservation {
  public:
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&&) = delete;
    ~Reservation();

    uint64_t id() const { return info.id; }
    GuestRef ref() const { return {info.id, info.worker}; }
    void keep() { registry_ = nullptr; }

    GuestInfo info;              // as recorded
    std::optional<NicLease> nic; // its NIC's lease, bound to its placement

  private:
    friend class GuestRegistry;
    Reservation(GuestRegistry* registry, uint64_t serial) : registry_(registry), serial_(serial) {}
    GuestRegistry* registry_;
    uint64_t serial_;
};

} // namespace sf::host
