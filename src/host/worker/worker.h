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
// threads of their own (LongOperations; worker_snapshot.cpp,
// worker_migration.cpp); their replies are sent when they end. While one
// runs for a guest, start/pause/resume of that guest are refused (Conflict)
// and destroy cancels it first. Threading: those threads use only the parts
// safe from any thread (Scheduler, StoreLinks, ImageCache, ShellPool,
// FramePort, guests_ under guests_mutex_) and send under send_mutex_; a
// VM they read is held by shared_ptr, so it outlives its guest ending.
#pragma once

#include "host/worker/frame_port.h"

#include "host/protocol.h"
#include "common/result.h"
#include "host/worker/image_cache.h"
#include "host/worker/long_operations.h"
#include "host/worker/scheduler.h"
#include "host/worker/shell_pool.h"
#include "host/worker/store_link.h"
#include "host/worker/worker_guest.h"
#include "host/worker_api.h"
#include "host/worker_settings.h"

#include <nlohmann/json.hpp>

#include <string>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

namespace sf::vmm::snapshot {
class Reader;
class Writer;
} // namespace sf::vmm::snapshot

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

  private:
    enum class Ended { Shutdown, Lost, Failed };
    // Serves one sfd connection (config_.control_fd) until it ends.
    Ended serve_connection();
    // Serves one request packet: replies at once, or starts a long
    // operation. Returns its op (nullopt for a malformed request).
    std::optional<worker_api::Op> serve_request(wire::Message& message);
    void send_reply(uint64_t request_id, const worker_api::EncodedReply& reply);
    // The dispatch table (worker_operations.cpp): one entry per op.
    struct Operation;
    static const std::array<Operation, worker_api::kOpCount>& operations();
    template <class R, auto handler> static Result<worker_api::EncodedReply> serve_op(Worker& w, const nlohmann::json& o);
    template <class R, auto handler>
    static Result<void> launch_op(Worker& w, const nlohmann::json& o, uint64_t request_id, UniqueFd fd);

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
    // Adoption by a restarted sfd (worker_adoption.cpp).
    Result<void> listen();
    bool await_sfd(); // false: nobody came within the grace time
    Result<worker_api::Held> adopt(const worker_api::Adopt& request);
    // A guest that may be started, paused or resumed: no long operation holds it.
    Result<std::shared_ptr<WorkerGuest>> find_idle(uint64_t id);
    worker_api::GuestStatus status_of(const WorkerGuest& guest) const;
    // A guest being built (create, restore): its config (NIC made, store
    // link open), NIC port and WorkerGuest, not registered yet.
    struct NewGuest {
        vmm::GuestConfig config;
        std::optional<uint32_t> port_key;
        std::shared_ptr<WorkerGuest> guest;
    };
    Result<NewGuest> prepare_guest(const worker_api::GuestSpec& spec);
    // Gives the guest its VM and registers it (guests_, its switch port); a
    // Conflict if the id is taken (then abandoned, nothing kept).
    Result<void> register_guest(NewGuest& fresh, std::shared_ptr<vmm::Guest> vm);
    // Undoes prepare_guest() (closes its store link).
    void abandon(const NewGuest& fresh);
    // Long operations: run on their own thread with the descriptor passed
    // with the request (worker_snapshot.cpp, worker_migration.cpp).
    Result<worker_api::Saved> save(const worker_api::Save& request, int fd, std::stop_token stop);
    Result<worker_api::Built> restore(const worker_api::Restore& request, int fd, std::stop_token stop);
    Result<worker_api::Sent> migrate_out(const worker_api::MigrateOut& request, int fd, std::stop_token stop);
    Result<worker_api::Built> migrate_in(const worker_api::MigrateIn& request, int fd, std::stop_token stop);
    // Shared by them (worker_snapshot.cpp). After the pages: the monitor's
    // records (the guest paused), Console, Watches and GuestEnd.
    Result<void> write_guest_records(WorkerGuest& guest, vmm::Guest& vm, vmm::snapshot::Writer& writer);
    // Reads a guest part up to its GuestEnd and builds the guest (create's
    // fields in `request`), registered and paused. On failure nothing stays.
    // The memory and the shell are ready before the first record is read.
    struct Incoming {
        uint64_t start_ns = 0, guest_end_ns = 0, built_ns = 0; // CLOCK_MONOTONIC
        worker_api::Built built(uint64_t bytes) const; // with read_ms, build_ms
    };
    Result<std::shared_ptr<WorkerGuest>> read_guest(const worker_api::GuestSpec& spec, vmm::snapshot::Reader& reader,
                                                    std::stop_token stop, Incoming& in);
    Result<std::shared_ptr<vmm::Guest>> build_from_stream(const worker_api::GuestSpec& spec, NewGuest& fresh,
                                                          vmm::snapshot::Reader& reader, std::stop_token stop,
                                                          Incoming& in);
    // migrate_out's sending part (worker_migration.cpp): pre-copy rounds while
    // the guest runs, then it is paused and the rest sent, up to GuestEnd.
    struct Outgoing {
        uint64_t rounds = 0;          // Memory passes, the final one included
        uint64_t start_ns = 0, precopy_end_ns = 0, paused_ns = 0, stop_copy_end_ns = 0;
        bool was_running = false;     // it ran before it was paused (a failure resumes it)
        bool held = false;            // its port keeps frames from the pause on (FramePort::hold)
    };
    Result<void> send_guest(const std::shared_ptr<WorkerGuest>& guest, vmm::Guest& vm, vmm::snapshot::Writer& writer,
                            int socket, std::stop_token stop, Outgoing& out);
    // destroy() without cancelling the guest's operation (an operation's own undo).
    Result<void> remove_guest(uint64_t id);
    Result<std::shared_ptr<vmm::Nic>> make_nic(const worker_api::NicSpec& nic);
    Result<std::shared_ptr<vmm::StorePort>> open_store(const std::shared_ptr<WorkerGuest>& guest);
    Result<std::shared_ptr<WorkerGuest>> find(uint64_t id);
    void destroy_all();

    // How long a save or migration waits for a running guest to let go of its
    // runner: longer than a store hypercall may wait for its reply (5 s).
    static constexpr std::chrono::milliseconds kQuiesceTimeout{6000};

    WorkerConfig config_;
    std::shared_ptr<const vmm::Backend> backend_;
    std::mutex send_mutex_; // also guards config_.control_fd (replaced on adoption) and ended_
    StoreLinks store_links_; // guests' store requests to sfd (Type::Store); outlives the runners
    UniqueFd listener_;     // listen_path's socket
    std::map<uint64_t, worker_api::GuestEvent> ended_; // each ended guest's last event, for a restarted sfd
    ImageCache images_;
    ShellPool pool_;
    Scheduler scheduler_;
    FramePort frames_; // after scheduler_: it wakes guests through it
    std::mutex guests_mutex_;
    std::map<uint64_t, std::shared_ptr<WorkerGuest>> guests_;
    LongOperations operations_; // last: its threads end before the rest goes
};

} // namespace sf::host
