// superfluid toolstack: WorkerPool, sfd's worker processes by slot.
//
// Each slot holds one sf-worker (none while it is being replaced). The pool
// places guests on the least loaded live worker and counts guests per slot.
// Its supervisor thread adds a worker ahead of need (every VM a process
// holds makes each change to its memory map slower: KVM's MMU notifiers run
// per VM, so creation stays fast only while guests per worker stay few;
// bench/README.md) and restarts a worker that died, unless it keeps dying
// right after it starts: then placing fails with 503 and the reason.
//
// How a slot's worker is started (its frame channel, its record in the
// store) is the owner's: the Start callback.
//
// Threading: every method from any thread. Start runs without the pool's
// lock, on the supervisor thread or in start_all().
#pragma once

#include "common/result.h"
#include "host/worker_process.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sf::host {

struct WorkerPoolOptions {
    int workers = 4;                     // started at once, and never fewer
    int max_workers = 64;                // grown up to as guests come
    size_t guests_per_worker = 256;      // add a worker once every worker has this many
    size_t max_guests_per_worker = 4000; // hard cap (two descriptors a guest, 20,000 a process)
};

class WorkerPool {
  public:
    using Start = std::function<Result<std::shared_ptr<WorkerProcess>>(int slot)>;

    WorkerPool(WorkerPoolOptions options, Start start);
    ~WorkerPool(); // shutdown()
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Puts a worker that outlived an earlier sfd in `slot` (recovery, before start_all()).
    void install(int slot, std::shared_ptr<WorkerProcess> worker);
    // Starts a worker in every empty slot (at least options.workers), then the supervisor.
    Result<void> start_all();

    // The least loaded live slot with room (count_guest() counts the guest placed there).
    Result<int> place();
    void count_guest(int slot);   // a guest placed in the slot, or found in an adopted worker
    void release_guest(int slot); // a guest left the slot (unless its worker died: then it is 0 already)
    // The slot's worker ended and its guests with it: restarted, unless it keeps failing at start.
    void worker_exited(int slot, const std::string& how);

    Result<std::shared_ptr<WorkerProcess>> at(int slot) const;
    template <class Request>
    Result<typename Request::Reply> call(int slot, const Request& request, int pass_fd = -1) {
        SF_TRY_ASSIGN(const std::shared_ptr<WorkerProcess> worker, at(slot));
        return worker->call(request, pass_fd);
    }
    // Every slot's worker (null while one is replaced), for the host's figures.
    std::vector<std::shared_ptr<WorkerProcess>> workers() const;
    size_t slots() const;
    pid_t pid(int slot) const; // -1 unless alive
    const WorkerPoolOptions& options() const { return options_; }

    // Stops the supervisor, then every worker (each given `grace` to end). Idempotent.
    void shutdown(std::chrono::milliseconds grace);

  private:
    void ensure_slots(size_t count); // needs mutex_
    Result<void> fill(int slot);     // starts the slot's worker
    void supervise();
    void grow();

    // A worker that ends within kQuickExit of starting, kMaxQuickExits times
    // in a row, is not restarted again.
    static constexpr std::chrono::seconds kQuickExit{2};
    static constexpr int kMaxQuickExits = 3;

    const WorkerPoolOptions options_;
    const Start start_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<WorkerProcess>> workers_; // by slot
    std::vector<size_t> load_;                            // live guests per slot
    std::vector<std::chrono::steady_clock::time_point> started_at_;
    std::vector<int> quick_exits_; // per slot, in a row
    std::string failing_;          // why no worker can run guests, once one keeps failing
    std::vector<int> dead_slots_;  // waiting for the supervisor
    bool grow_requested_ = false;
    bool stopping_ = false;
    std::condition_variable supervisor_cv_;
    std::thread supervisor_;
};

} // namespace sf::host
