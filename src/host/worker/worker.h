// superfluid worker: Worker, one VMM worker process hosting many guests.
//
// sfd starts a handful of these (sf-worker), each with one end of a
// SOCK_SEQPACKET pair (protocol.h). The worker's main thread serves sfd's
// requests in order; guests run on the Scheduler's runner threads; shells
// come from the ShellPool; images and templates from the ImageCache. Events
// and console bytes go back on the same socket from whichever thread has
// them. A worker that crashes takes only its own guests down.
//
// Snapshots and migration (docs/migration.md, "Worker operations"): save,
// restore, migrate_out and migrate_in come with a descriptor and run on
// threads of their own (LongOperations) through WorkerSnapshots and
// WorkerMigrations, which the Worker owns; their replies are sent when they
// end. While one runs for a guest, start/pause/resume of that guest are
// refused (Conflict) and destroy cancels it first. The dispatch table from
// sfd's ops to all of these is worker_operations.h.
//
// Threading: serve() and the operations answered at once run on the main
// thread. The guest functions for the long operations (find,
// prepare_guest, register_guest, abandon, remove_guest) are safe from any
// thread (guests_ under guests_mutex_); sends go under send_mutex_.
#pragma once

#include "host/worker/frame_port.h"

#include "common/result.h"
#include "host/protocol.h"
#include "host/worker/image_cache.h"
#include "host/worker/long_operations.h"
#include "host/worker/scheduler.h"
#include "host/worker/shell_pool.h"
#include "host/worker/store_link.h"
#include "host/worker/worker_guest.h"
#include "host/worker/worker_migrations.h"
#include "host/worker/worker_snapshots.h"
#include "host/worker_api.h"
#include "host/worker_settings.h"

#include <string>

#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace sf::host {

struct WorkerConfig {
    int control_fd = -1;
    int frame_fd = -1; // frame channel to sfd's switches (-1: no networking)
    WorkerSettings settings;
};

class Worker final : public EventSink {
  public:
    Worker(WorkerConfig config, std::shared_ptr<const vmm::Backend> backend);
    ~Worker() override;

    // Serves requests until sfd says shutdown, or goes away and (with a
    // listen_path) no new sfd adopts the worker in time. Returns the exit code.
    int serve();

    void guest_event(uint64_t id, const worker_api::GuestEvent& event) override;
    void guest_console(uint64_t id, std::string_view bytes) override;

    // The operations answered at once, one per request type.
    Result<worker_api::Done> create(const worker_api::Create& request);
    Result<worker_api::GuestStatus> start(const worker_api::Start& request);
    Result<worker_api::GuestStatus> pause(const worker_api::Pause& request);
    Result<worker_api::GuestStatus> resume(const worker_api::Resume& request);
    Result<worker_api::Done> destroy(const worker_api::Destroy& request);
    Result<worker_api::GuestStatus> info(const worker_api::Info& request);
    Result<worker_api::ConsoleBytes> logs(const worker_api::Logs& request);
    Result<worker_api::ConsoleBytes> follow(const worker_api::Follow& request);
    Result<worker_api::GuestStatus> unfollow(const worker_api::Unfollow& request);
    Result<worker_api::WorkerStats> stats(const worker_api::Stats& request);
    Result<worker_api::Done> shutdown(const worker_api::Shutdown& request);
    Result<worker_api::WatchesReplayed> replay_watches(const worker_api::ReplayWatches& request);
    Result<worker_api::Held> adopt(const worker_api::Adopt& request); // worker_adoption.cpp

    // The long operations' units, and a job of theirs started on a thread of
    // its own for the guest (LongOperations::launch).
    WorkerSnapshots& snapshots() { return snapshots_; }
    WorkerMigrations& migrations() { return migrations_; }
    Result<void> launch(uint64_t guest_id, uint64_t request_id, UniqueFd fd, LongOperations::Job job) {
        return operations_.launch(guest_id, request_id, std::move(fd), std::move(job));
    }

    // The guests, for the long operations (any thread).
    Result<std::shared_ptr<WorkerGuest>> find(uint64_t id);
    Result<NewGuest> prepare_guest(const worker_api::GuestSpec& spec);
    // Gives the guest its VM and registers it (guests_, its switch port); a
    // Conflict if the id is taken (then abandoned, nothing kept).
    Result<void> register_guest(NewGuest& fresh, std::shared_ptr<vmm::Guest> vm);
    // Undoes prepare_guest() (closes its store link).
    void abandon(const NewGuest& fresh);
    // destroy() without cancelling the guest's operation (an operation's own undo).
    Result<void> remove_guest(uint64_t id);

  private:
    enum class Ended { Shutdown, Lost, Failed };
    // Serves one sfd connection (config_.control_fd) until it ends.
    Ended serve_connection();
    // Serves one request packet: replies at once, or starts a long
    // operation. Returns its op (nullopt for a malformed request).
    std::optional<worker_api::Op> serve_request(wire::Message& message);
    void send_reply(uint64_t request_id, const worker_api::EncodedReply& reply);
    // Adoption by a restarted sfd (worker_adoption.cpp).
    Result<void> listen();
    bool await_sfd(); // false: nobody came within the grace time
    // A guest that may be started, paused or resumed: no long operation holds it.
    Result<std::shared_ptr<WorkerGuest>> find_idle(uint64_t id);
    worker_api::GuestStatus status_of(const WorkerGuest& guest) const;
    Result<std::shared_ptr<vmm::Nic>> make_nic(const worker_api::NicSpec& nic);
    Result<std::shared_ptr<vmm::StorePort>> open_store(const std::shared_ptr<WorkerGuest>& guest);
    void destroy_all();

    WorkerConfig config_;
    std::shared_ptr<const vmm::Backend> backend_;
    std::mutex send_mutex_;  // also guards config_.control_fd (replaced on adoption) and ended_
    StoreLinks store_links_; // guests' store requests to sfd (Type::Store); outlives the runners
    UniqueFd listener_;      // listen_path's socket
    std::map<uint64_t, worker_api::GuestEvent> ended_; // each ended guest's last event, for a restarted sfd
    ImageCache images_;
    ShellPool pool_;
    Scheduler scheduler_;
    FramePort frames_; // after scheduler_: it wakes guests through it
    std::mutex guests_mutex_;
    std::map<uint64_t, std::shared_ptr<WorkerGuest>> guests_;
    WorkerSnapshots snapshots_;   // over the parts above
    WorkerMigrations migrations_; // over them and snapshots_
    LongOperations operations_;   // last: its threads end before the rest goes
};

} // namespace sf::host
