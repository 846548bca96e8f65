// superfluid worker: the shell pool and its refill thread.
#include "host/worker/shell_pool.h"

#include <chrono>

namespace sf::host {

ShellPool::ShellPool(std::shared_ptr<const vmm::Backend> backend, size_t target)
    : backend_(std::move(backend)), target_(target), refiller_([this] { refill_loop(); }) {}

ShellPool::~ShellPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    refiller_.join();
}

Result<vmm::Shell> ShellPool::take() {
    {
        std::lock_guard lock(mutex_);
        if (!ready_.empty()) {
            vmm::Shell shell = std::move(ready_.front());
            ready_.pop_front();
            ++taken_warm_;
            wake_.notify_one();
            return shell;
        }
        ++taken_cold_;
        wake_.notify_one();
    }
    return vmm::Shell::create(*backend_);
}

void ShellPool::refill_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || ready_.size() < target_; });
        if (stopping_) return;
        lock.unlock();
        Result<vmm::Shell> shell = vmm::Shell::create(*backend_);
        lock.lock();
        if (shell) {
            ready_.push_back(std::move(*shell));
        } else {
            ++refill_errors_;
            last_error_ = shell.error().message;
            // Out of descriptors or memory: back off rather than spin.
            wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
        }
    }
}

nlohmann::json ShellPool::stats() const {
    std::lock_guard lock(mutex_);
    return {{"ready", ready_.size()},          {"target", target_},
            {"taken_warm", taken_warm_},       {"taken_cold", taken_cold_},
            {"refill_errors", refill_errors_}, {"last_error", last_error_}};
}

void ShellPool::set_target(size_t target) {
    std::lock_guard lock(mutex_);
    target_ = target;
    while (ready_.size() > target_)
        ready_.pop_back();
    wake_.notify_one();
}

} // namespace sf::host
