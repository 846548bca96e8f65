// superfluid worker: the runner threads, the run queue and the wake-up timer.
#include "host/worker/scheduler.h"

#include "vmm/guest_clock.h"

#include <cstdio>

namespace sf::host {
namespace {

worker_api::GuestEvent crashed(std::string reason) {
    return {worker_api::GuestEvent::Kind::Crashed, 0, 0, std::move(reason)};
}

} // namespace

Scheduler::Scheduler(int runners, uint64_t slice_ns, EventSink& events)
    : slice_ns_(slice_ns), events_(events) {
    for (int i = 0; i < runners; ++i)
        runners_.emplace_back([this] { runner_loop(); });
    timer_ = std::thread([this] { timer_loop(); });
}

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    runnable_cv_.notify_all();
    timer_cv_.notify_all();
    for (std::thread& t : runners_)
        t.join();
    timer_.join();
}

void Scheduler::make_runnable(const std::shared_ptr<WorkerGuest>& guest) {
    guest->state = RunState::Runnable;
    ++guest->generation;
    queue_.push_back(guest);
    runnable_cv_.notify_one();
}

Result<void> Scheduler::start(const std::shared_ptr<WorkerGuest>& guest) {
    std::lock_guard lock(mutex_);
    if (guest->state != RunState::Created)
        return error(ErrorKind::Conflict, "guest has already been started");
    make_runnable(guest);
    return ok();
}

Result<void> Scheduler::pause(const std::shared_ptr<WorkerGuest>& guest) {
    std::lock_guard lock(mutex_);
    return pause_locked(guest);
}

Result<void> Scheduler::pause_locked(const std::shared_ptr<WorkerGuest>& guest) {
    switch (guest->state) {
    case RunState::Runnable: guest->state = RunState::Paused; break;
    case RunState::Blocked:
        unpark(*guest);
        guest->state = RunState::Paused;
        guest->pending_wake_host_ns = guest->blocked_until_host_ns; // its poll still waits for that
        break;
    case RunState::Running:
        guest->pause_requested = true;
        guest->runner->interrupt();
        break;
    case RunState::Paused: return error(ErrorKind::Conflict, "guest is already paused");
    default: return error(ErrorKind::Conflict, "guest is not running");
    }
    ++guest->generation; // drop queued runs and wake-ups
    return ok();
}

Result<void> Scheduler::resume(const std::shared_ptr<WorkerGuest>& guest) {
    std::lock_guard lock(mutex_);
    if (guest->state == RunState::Running && guest->pause_requested) {
        guest->pause_requested = false; // not parked yet: just carry on
        return ok();
    }
    if (guest->state != RunState::Paused) return error(ErrorKind::Conflict, "guest is not paused");
    std::optional<uint64_t> wake = std::exchange(guest->pending_wake_host_ns, std::nullopt);
    if (wake && *wake > vmm::host_monotonic_ns() && !std::exchange(guest->io_pending, false))
        park(guest, *wake);
    else
        make_runnable(guest);
    return ok();
}

Result<void> Scheduler::add_paused(const std::shared_ptr<WorkerGuest>& guest,
                                   std::optional<uint64_t> wake_host_ns) {
    std::lock_guard lock(mutex_);
    if (guest->state != RunState::Created)
        return error(ErrorKind::Conflict, "guest has already been started");
    guest->state = RunState::Paused;
    guest->pending_wake_host_ns = wake_host_ns;
    ++guest->generation;
    return ok();
}

Result<bool> Scheduler::quiesce(const std::shared_ptr<WorkerGuest>& guest, std::chrono::milliseconds timeout,
                                std::stop_token stop) {
    std::unique_lock lock(mutex_);
    bool was_running = false;
    switch (guest->state) {
    case RunState::Created:
    case RunState::Paused: return false;
    case RunState::Runnable:
    case RunState::Blocked:
    case RunState::Running:
        was_running =
            !(guest->state == RunState::Running && guest->pause_requested); // else paused by sfd already
        if (was_running) SF_TRY(pause_locked(guest));
        break;
    case RunState::Exited:
    case RunState::Crashed: return error(ErrorKind::Conflict, "guest has ended");
    }
    const bool released =
        released_cv_.wait_for(lock, stop, timeout, [&] { return guest->state != RunState::Running; });
    if (!released) {
        if (was_running) guest->pause_requested = false; // it carries on as if never asked
        if (stop.stop_requested()) return error(ErrorKind::Unavailable, "cancelled");
        return error(ErrorKind::Unavailable, "the guest did not stop within {} ms", timeout.count());
    }
    if (guest->state != RunState::Paused) return error(ErrorKind::Conflict, "guest ended while being paused");
    return was_running;
}

std::shared_ptr<vmm::Guest> Scheduler::vm(const WorkerGuest& guest) const {
    std::lock_guard lock(mutex_);
    return guest.vm;
}

std::shared_ptr<vmm::Guest> Scheduler::remove(const std::shared_ptr<WorkerGuest>& guest) {
    std::unique_lock lock(mutex_);
    if (guest->state == RunState::Running) {
        guest->destroy_requested = true;
        guest->runner->interrupt();
        released_cv_.wait(lock, [&] { return guest->state != RunState::Running; });
    }
    if (guest->state == RunState::Blocked) unpark(*guest);
    guest->state = RunState::Exited;
    ++guest->generation;
    return std::move(guest->vm);
}

void Scheduler::notify(const std::shared_ptr<WorkerGuest>& guest) {
    std::lock_guard lock(mutex_);
    if (guest->state == RunState::Blocked) {
        unpark(*guest);
        make_runnable(guest);
    } else if (guest->state == RunState::Running || guest->state == RunState::Paused) {
        guest->io_pending = true;
    }
}

RunState Scheduler::state(const WorkerGuest& guest) const {
    std::lock_guard lock(mutex_);
    return guest.state;
}

nlohmann::json Scheduler::stats() const {
    std::lock_guard lock(mutex_);
    return {{"runners", runners_.size()},
            {"runnable", queue_.size()},
            {"running", running_},
            {"blocked", blocked_},
            {"timers", timers_.size()}};
}

// Parks a guest that waits in poll until `wake_host_ns` (UINT64_MAX: for ever, no timer).
void Scheduler::park(const std::shared_ptr<WorkerGuest>& guest, uint64_t wake_host_ns) {
    guest->state = RunState::Blocked;
    guest->blocked_until_host_ns = wake_host_ns;
    ++guest->generation;
    ++blocked_;
    if (wake_host_ns == UINT64_MAX) return;
    const bool earliest = timers_.empty() || wake_host_ns < timers_.begin()->first.first;
    timers_.emplace(TimerKey{wake_host_ns, guest.get()}, guest);
    if (earliest) timer_cv_.notify_one();
}

// A Blocked guest leaves Blocked: its timer (if any) goes with it.
void Scheduler::unpark(const WorkerGuest& guest) {
    --blocked_;
    if (guest.blocked_until_host_ns != UINT64_MAX)
        timers_.erase(TimerKey{guest.blocked_until_host_ns, &guest});
}

std::shared_ptr<WorkerGuest> Scheduler::next_runnable(std::unique_lock<std::mutex>& lock) {
    for (;;) {
        runnable_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return nullptr;
        std::shared_ptr<WorkerGuest> guest = std::move(queue_.front());
        queue_.pop_front();
        if (guest->state == RunState::Runnable) return guest; // else paused or removed meanwhile
    }
}

void Scheduler::runner_loop() {
    auto alarm = vmm::ThreadAlarm::create();
    if (!alarm) {
        std::fprintf(stderr, "sf-worker: runner thread: %s\n", alarm.error().message.c_str());
        return;
    }
    std::unique_lock lock(mutex_);
    for (;;) {
        std::shared_ptr<WorkerGuest> guest = next_runnable(lock);
        if (!guest) return;
        guest->state = RunState::Running;
        guest->io_pending = false; // what came before this run is in its rings: poll sees it
        guest->runner = &*alarm;
        ++running_;
        lock.unlock();
        alarm->set(vmm::host_monotonic_ns() + slice_ns_);
        Result<vmm::RunOutcome> outcome = guest->vm->run();
        alarm->cancel();
        lock.lock();
        --running_;
        guest->runner = nullptr;
        Ended ended = settle(guest, std::move(outcome));
        released_cv_.notify_all();
        if (ended.vm || ended.event) {
            lock.unlock();
            ended.vm.reset(); // frees the VM outside the lock
            if (ended.event) events_.guest_event(guest->id(), *ended.event);
            lock.lock();
        }
    }
}

// Decides what a guest does after a run. Called with the mutex held.
Scheduler::Ended Scheduler::settle(const std::shared_ptr<WorkerGuest>& guest,
                                   Result<vmm::RunOutcome> outcome) {
    if (guest->destroy_requested) { // remove() waits for this and frees the VM
        guest->state = RunState::Exited;
        return {};
    }
    if (!outcome) {
        guest->state = RunState::Crashed;
        return {std::move(guest->vm), crashed(outcome.error().message)};
    }
    switch (outcome->kind) {
    case vmm::RunOutcome::Kind::Exited:
        guest->state = RunState::Exited;
        return {std::move(guest->vm),
                worker_api::GuestEvent{worker_api::GuestEvent::Kind::Exited, 0, outcome->status, {}}};
    case vmm::RunOutcome::Kind::Faulted:
        guest->state = RunState::Crashed;
        return {std::move(guest->vm), crashed(outcome->reason)};
    case vmm::RunOutcome::Kind::Blocked: {
        uint64_t wake = guest->vm->clock().to_host_ns(outcome->deadline_ns);
        if (std::exchange(guest->pause_requested, false)) {
            guest->state = RunState::Paused;
            guest->pending_wake_host_ns = wake;
        } else if (std::exchange(guest->io_pending, false)) {
            make_runnable(guest);
        } else {
            park(guest, wake);
        }
        return {};
    }
    case vmm::RunOutcome::Kind::Interrupted:
        if (std::exchange(guest->pause_requested, false))
            guest->state = RunState::Paused;
        else
            make_runnable(guest);
        return {};
    }
    return {};
}

void Scheduler::timer_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (timers_.empty()) {
            timer_cv_.wait(lock);
            continue;
        }
        const uint64_t now = vmm::host_monotonic_ns();
        const auto next = timers_.begin();
        if (next->first.first > now) {
            timer_cv_.wait_for(lock, std::chrono::nanoseconds(next->first.first - now));
            continue;
        }
        std::shared_ptr<WorkerGuest> guest = next->second.lock();
        if (!guest || guest->state != RunState::Blocked) { // cannot be: leaving Blocked removes the timer
            timers_.erase(next);
            continue;
        }
        unpark(*guest);
        make_runnable(guest);
    }
}

} // namespace sf::host
