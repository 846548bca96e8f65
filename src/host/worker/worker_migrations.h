// superfluid worker: WorkerMigrations, live migration's two ends in a
// worker (docs/migration.md, "Worker operations" and "Migration"):
// migrate_out sends a guest on a connected socket, pre-copy first;
// migrate_in builds one from it. The guest part is WorkerSnapshots'.
//
// The Worker owns it; it owns nothing: the Worker's guests and parts it
// works on, and the WorkerSnapshots, outlive it. Threading: its operations
// run on the LongOperations' threads, one per guest at a time, and use only
// what is safe from any thread (the Worker's guest functions, Scheduler,
// FramePort, WorkerSnapshots); a VM they read is held by shared_ptr, so it
// outlives its guest ending.
#pragma once

#include "common/result.h"
#include "host/worker/frame_port.h"
#include "host/worker/scheduler.h"
#include "host/worker/worker_guest.h"
#include "host/worker/worker_snapshots.h"
#include "host/worker_api.h"

#include <memory>
#include <stop_token>

namespace sf::host {

class Worker;

class WorkerMigrations {
  public:
    WorkerMigrations(Worker& worker, Scheduler& scheduler, FramePort& frames, WorkerSnapshots& snapshots)
        : worker_(worker), scheduler_(scheduler), frames_(frames), snapshots_(snapshots) {}

    // Run with the connected socket passed with the request.
    Result<worker_api::Sent> migrate_out(const worker_api::MigrateOut& request, int socket,
                                         std::stop_token stop);
    Result<worker_api::Built> migrate_in(const worker_api::MigrateIn& request, int socket,
                                         std::stop_token stop);

  private:
    // migrate_out's sending part: pre-copy rounds while the guest runs, then
    // it is paused and the rest sent, up to GuestEnd.
    struct Outgoing {
        uint64_t rounds = 0; // Memory passes, the final one included
        uint64_t start_ns = 0, precopy_end_ns = 0, paused_ns = 0, stop_copy_end_ns = 0;
        bool was_running = false; // it ran before it was paused (a failure resumes it)
        bool held = false;        // its port keeps frames from the pause on (FramePort::hold)
    };
    Result<void> send_guest(const std::shared_ptr<WorkerGuest>& guest, vmm::Guest& vm,
                            vmm::snapshot::Writer& writer, int socket, std::stop_token stop, Outgoing& out);

    Worker& worker_;
    Scheduler& scheduler_;
    FramePort& frames_;
    WorkerSnapshots& snapshots_;
};

} // namespace sf::host
