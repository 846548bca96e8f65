// superfluid toolstack: placing guests on worker processes, and keeping
// those processes alive.
#include "host/worker_pool.h"

#include <cstdio>

namespace sf::host {

WorkerPool::WorkerPool(WorkerPoolOptions options, Start start) : options_(options), start_(std::move(start)) {
    std::lock_guard lock(mutex_);
    ensure_slots(static_cast<size_t>(options_.workers));
}

WorkerPool::~WorkerPool() {
    shutdown(std::chrono::seconds(10));
    std::vector<std::shared_ptr<WorkerProcess>> workers;
    {
        std::lock_guard lock(mutex_);
        workers.swap(workers_);
    }
    // Joins their reader threads while the pool still exists: their exit callbacks may call worker_exited().
    workers.clear();
}

void WorkerPool::ensure_slots(size_t count) {
    if (workers_.size() >= count) return;
    workers_.resize(count);
    load_.resize(count, 0);
    started_at_.resize(count);
    quick_exits_.resize(count, 0);
}

void WorkerPool::install(int slot, std::shared_ptr<WorkerProcess> worker) {
    std::lock_guard lock(mutex_);
    ensure_slots(static_cast<size_t>(slot) + 1);
    workers_[static_cast<size_t>(slot)] = std::move(worker);
    started_at_[static_cast<size_t>(slot)] = std::chrono::steady_clock::now();
}

Result<void> WorkerPool::start_all() {
    for (size_t i = 0; i < slots(); ++i) {
        if (Result<std::shared_ptr<WorkerProcess>> there = at(static_cast<int>(i)); there) continue;
        SF_TRY(fill(static_cast<int>(i)));
    }
    supervisor_ = std::thread([this] { supervise(); });
    return ok();
}

Result<void> WorkerPool::fill(int slot) {
    SF_TRY_ASSIGN(std::shared_ptr<WorkerProcess> worker, start_(slot));
    std::lock_guard lock(mutex_);
    const auto i = static_cast<size_t>(slot);
    workers_[i] = std::move(worker);
    load_[i] = 0;
    started_at_[i] = std::chrono::steady_clock::now();
    return ok();
}

Result<int> WorkerPool::place() {
    std::lock_guard lock(mutex_);
    int best = -1;
    for (size_t i = 0; i < workers_.size(); ++i) {
        if (!workers_[i] || !workers_[i]->alive() || load_[i] >= options_.max_guests_per_worker) continue;
        if (best < 0 || load_[i] < load_[static_cast<size_t>(best)]) best = static_cast<int>(i);
    }
    // Ask for one more worker ahead of need: when the least loaded has 3/4 of its share.
    const size_t least = best < 0 ? SIZE_MAX : load_[static_cast<size_t>(best)];
    if (least >= options_.guests_per_worker * 3 / 4 &&
        workers_.size() < static_cast<size_t>(options_.max_workers) && !grow_requested_) {
        grow_requested_ = true;
        supervisor_cv_.notify_one();
    }
    if (best < 0 && !failing_.empty())
        return error(ErrorKind::Unavailable, "no worker can run guests: {}", failing_);
    if (best < 0)
        return error(ErrorKind::ResourceExhausted, "host is full: {} workers with at most {} guests each",
                     workers_.size(), options_.max_guests_per_worker);
    return best;
}

void WorkerPool::count_guest(int slot) {
    std::lock_guard lock(mutex_);
    ++load_[static_cast<size_t>(slot)];
}

void WorkerPool::release_guest(int slot) {
    std::lock_guard lock(mutex_);
    size_t& load = load_[static_cast<size_t>(slot)];
    if (load > 0) --load;
}

void WorkerPool::worker_exited(int slot, const std::string& how) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const auto i = static_cast<size_t>(slot);
    load_[i] = 0;
    const bool quick = std::chrono::steady_clock::now() - started_at_[i] < kQuickExit;
    quick_exits_[i] = quick ? quick_exits_[i] + 1 : 0;
    if (quick_exits_[i] >= kMaxQuickExits) {
        failing_ = fmt::format("worker {} {} right after starting, {} times in a row (see sfd's log)", slot,
                               how, quick_exits_[i]);
        std::fprintf(stderr, "sfd: not restarting worker %d: it %s right after starting, %d times in a row\n",
                     slot, how.c_str(), quick_exits_[i]);
        return;
    }
    dead_slots_.push_back(slot);
    supervisor_cv_.notify_one();
}

Result<std::shared_ptr<WorkerProcess>> WorkerPool::at(int slot) const {
    std::lock_guard lock(mutex_);
    std::shared_ptr<WorkerProcess> worker = workers_.at(static_cast<size_t>(slot));
    if (!worker) return error(ErrorKind::Unavailable, "worker {} is restarting", slot);
    return worker;
}

std::vector<std::shared_ptr<WorkerProcess>> WorkerPool::workers() const {
    std::lock_guard lock(mutex_);
    return workers_;
}

size_t WorkerPool::slots() const {
    std::lock_guard lock(mutex_);
    return workers_.size();
}

pid_t WorkerPool::pid(int slot) const {
    std::lock_guard lock(mutex_);
    const auto& worker = workers_.at(static_cast<size_t>(slot));
    return worker && worker->alive() ? worker->pid() : -1;
}

// Replaces dead workers and adds new ones, one at a time, on its own thread.
void WorkerPool::supervise() {
    std::unique_lock lock(mutex_);
    for (;;) {
        supervisor_cv_.wait(lock, [this] { return stopping_ || !dead_slots_.empty() || grow_requested_; });
        if (stopping_) return;
        if (grow_requested_) {
            lock.unlock();
            grow();
            lock.lock();
            continue;
        }
        const int slot = dead_slots_.back();
        dead_slots_.pop_back();
        std::shared_ptr<WorkerProcess> old = std::move(workers_[static_cast<size_t>(slot)]);
        lock.unlock();
        old.reset(); // joins its reader thread
        Result<void> started = fill(slot);
        if (!started) {
            std::fprintf(stderr, "sfd: cannot restart worker %d: %s\n", slot,
                         started.error().message.c_str());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        lock.lock();
        if (!started) dead_slots_.push_back(slot);
    }
}

// Adds a slot and starts its worker (the supervisor's job).
void WorkerPool::grow() {
    int slot;
    {
        std::lock_guard lock(mutex_);
        slot = static_cast<int>(workers_.size());
        ensure_slots(workers_.size() + 1);
    }
    Result<void> started = fill(slot);
    std::lock_guard lock(mutex_);
    grow_requested_ = false;
    if (!started) {
        std::fprintf(stderr, "sfd: cannot add worker %d: %s\n", slot, started.error().message.c_str());
        dead_slots_.push_back(slot); // retried like a dead one
    }
}

void WorkerPool::shutdown(std::chrono::milliseconds grace) {
    std::vector<std::shared_ptr<WorkerProcess>> workers;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        workers = workers_;
    }
    supervisor_cv_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
    std::vector<std::thread> stoppers;
    for (auto& worker : workers)
        if (worker) stoppers.emplace_back([worker, grace] { worker->stop(grace); });
    for (std::thread& t : stoppers)
        t.join();
}

} // namespace sf::host
