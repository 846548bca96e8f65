// superfluid worker: Scheduler, which runs a worker's guests on a few threads.
//
// A guest holds a runner thread only while its vCPU runs. When it waits in
// poll it is parked on a timer (a deadline of "never" parks it with no
// timer at all) and costs no CPU; its timer goes as soon as it leaves
// Blocked (I/O, pause, removal), so there is at most one timer per blocked
// guest, however often it parks; when the deadline passes it is queued for
// the next free runner. A runner gives a guest a time slice and then queues
// it again behind the others, so a spinning guest cannot starve the rest.
//
// State machine (WorkerGuest::state): Created -start-> Runnable -runner->
// Running -> Runnable (slice over) | Blocked (poll) | Exited | Crashed;
// Blocked -deadline-> Runnable; Runnable/Running/Blocked -pause-> Paused
// -resume-> Runnable or Blocked. A guest that ends frees its VM at once
// (the ring and state stay until it is destroyed). A restored guest enters
// as Created -add_paused-> Paused, with the wake-up of the poll it was
// parked in, if any: resume() then parks it until then, or queues it.
//
// Snapshots and migration: quiesce() pauses a guest and waits until no
// runner holds it, so that its VM may be read from another thread; the
// caller resumes it (if it ran before) when it is done, or fails.
//
// Threading: every method may be called from any thread.
#pragma once

#include "common/result.h"
#include "host/worker/worker_guest.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

namespace sf::host {

class Scheduler {
  public:
    Scheduler(int runners, uint64_t slice_ns, EventSink& events);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    Result<void> start(const std::shared_ptr<WorkerGuest>& guest);
    Result<void> pause(const std::shared_ptr<WorkerGuest>& guest);
    Result<void> resume(const std::shared_ptr<WorkerGuest>& guest);
    // A restored guest (state Created, never started) becomes Paused. If it
    // was parked in poll, `wake_host_ns` is when its deadline passes (host
    // CLOCK_MONOTONIC; UINT64_MAX: never): resume() parks it until then.
    // nullopt: resume() queues it at once.
    Result<void> add_paused(const std::shared_ptr<WorkerGuest>& guest, std::optional<uint64_t> wake_host_ns);
    // Pauses the guest if it runs and waits until no runner holds it, for at
    // most `timeout` (a guest inside a store hypercall holds its runner until
    // the store replies, which the main thread must stay free to deliver) or
    // until `stop` is requested. Returns whether the guest was running (then
    // resume() restores that). A guest never started (Created) is left so
    // and returns false. Errors: the guest ended (Conflict), the runner did
    // not let go in time or `stop` was requested (Unavailable); the guest
    // then runs on as before.
    Result<bool> quiesce(const std::shared_ptr<WorkerGuest>& guest, std::chrono::milliseconds timeout,
                         std::stop_token stop = {});
    // Takes the guest out of scheduling (interrupting its run if need be) and
    // returns its VM for the caller to free.
    std::shared_ptr<vmm::Guest> remove(const std::shared_ptr<WorkerGuest>& guest);
    // The guest's VM (null once it ended). Holding it keeps it alive after the
    // guest ends, e.g. while a migration reads its memory.
    std::shared_ptr<vmm::Guest> vm(const WorkerGuest& guest) const;
    // I/O is ready for the guest (a frame in its RX ring): a guest blocked in
    // poll becomes runnable; a running one will not block in its next poll
    // (its poll handler sees the ring too, and settle() sees io_pending for
    // a frame that came between that check and the park); a paused one runs
    // again when resumed.
    void notify(const std::shared_ptr<WorkerGuest>& guest);
    RunState state(const WorkerGuest& guest) const;
    // {"runners", "runnable", "running", "blocked", "timers"}; "timers" never
    // exceeds "blocked".
    nlohmann::json stats() const;

  private:
    // A blocked guest's timer, ordered by deadline; the pointer only makes
    // the key unique and findable, the weak_ptr is what is woken.
    using TimerKey = std::pair<uint64_t, const WorkerGuest*>;
    struct Ended {
        std::shared_ptr<vmm::Guest> vm;
        std::optional<worker_api::GuestEvent> event;
    };

    void runner_loop();
    void timer_loop();
    std::shared_ptr<WorkerGuest> next_runnable(std::unique_lock<std::mutex>& lock);
    Ended settle(const std::shared_ptr<WorkerGuest>& guest, Result<vmm::RunOutcome> outcome);
    void park(const std::shared_ptr<WorkerGuest>& guest, uint64_t wake_host_ns);
    void unpark(const WorkerGuest& guest);
    void make_runnable(const std::shared_ptr<WorkerGuest>& guest);
    Result<void> pause_locked(const std::shared_ptr<WorkerGuest>& guest);

    const uint64_t slice_ns_;
    EventSink& events_;
    mutable std::mutex mutex_;
    std::condition_variable runnable_cv_;     // runners wait here
    std::condition_variable timer_cv_;        // the timer thread waits here
    std::condition_variable_any released_cv_; // remove() and quiesce() wait here for a runner to let go
    std::deque<std::shared_ptr<WorkerGuest>> queue_;
    std::map<TimerKey, std::weak_ptr<WorkerGuest>> timers_; // one per Blocked guest with a deadline
    size_t running_ = 0, blocked_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> runners_;
    std::thread timer_;
};

} // namespace sf::host
