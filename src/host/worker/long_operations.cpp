// superfluid worker: long requests on threads of their own.
#include "host/worker/long_operations.h"

#include <sys/socket.h>

#include <system_error>
#include <vector>

namespace sf::host {

LongOperations::~LongOperations() {
    cancel_all();
}

Result<void> LongOperations::launch(uint64_t guest_id, uint64_t request_id, UniqueFd fd, Job job) {
    reap_done();
    std::lock_guard lock(mutex_);
    auto [first, last] = operations_.equal_range(guest_id);
    for (auto it = first; it != last; ++it)
        if (!it->second->done)
            return error(ErrorKind::Conflict, "guest {} has an operation in progress", guest_id);
    auto operation = std::make_unique<Operation>();
    Operation* op = operation.get();
    op->fd = std::move(fd);
    try {
        op->thread = std::thread([this, op, request_id, job = std::move(job)] {
            Outcome outcome = job(op->fd.get(), op->stop.get_token());
            {
                std::lock_guard done_lock(mutex_);
                op->fd.reset();
                op->done = true; // before the reply: sfd may ask for the next operation at once
            }
            reply_(request_id, outcome);
        });
    } catch (const std::system_error& e) { // no exception leaves for the worker's loop
        return error(ErrorKind::ResourceExhausted, "cannot start a thread for the operation: {}", e.what());
    }
    operations_.emplace(guest_id, std::move(operation));
    return ok();
}

bool LongOperations::busy(uint64_t guest_id) const {
    std::lock_guard lock(mutex_);
    auto [first, last] = operations_.equal_range(guest_id);
    for (auto it = first; it != last; ++it)
        if (!it->second->done) return true;
    return false;
}

void LongOperations::stop_and_join(Operation& operation) {
    operation.stop.request_stop();
    {
        std::lock_guard lock(mutex_);
        if (operation.fd.valid())
            ::shutdown(operation.fd.get(), SHUT_RDWR); // not a socket: ENOTSOCK, harmless
    }
    operation.thread.join();
}

void LongOperations::cancel(uint64_t guest_id) {
    std::vector<std::unique_ptr<Operation>> taken;
    {
        std::lock_guard lock(mutex_);
        auto [first, last] = operations_.equal_range(guest_id);
        for (auto it = first; it != last; ++it)
            taken.push_back(std::move(it->second));
        operations_.erase(first, last);
    }
    for (auto& operation : taken)
        stop_and_join(*operation);
}

void LongOperations::cancel_all() {
    std::multimap<uint64_t, std::unique_ptr<Operation>> taken;
    {
        std::lock_guard lock(mutex_);
        taken.swap(operations_);
    }
    for (auto& [id, operation] : taken)
        stop_and_join(*operation);
}

void LongOperations::reap_done() {
    std::vector<std::unique_ptr<Operation>> ended;
    {
        std::lock_guard lock(mutex_);
        for (auto it = operations_.begin(); it != operations_.end();) {
            if (!it->second->done) {
                ++it;
                continue;
            }
            ended.push_back(std::move(it->second));
            it = operations_.erase(it);
        }
    }
    for (auto& operation : ended)
        operation->thread.join(); // done: only its reply may be left to send
}

} // namespace sf::host
