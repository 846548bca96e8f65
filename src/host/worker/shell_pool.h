// superfluid worker: ShellPool, pre-created guest shells kept warm.
//
// A background thread keeps `target` shells (a VM + vCPU, or a waiting
// sandbox process) ready, so that
// creating a guest takes one instead of creating it (the split toolstack of
// LightVM). take() never waits for the refill: an empty pool creates a shell
// on the spot.
//
// Threading: take() and stats() from any thread.
#pragma once

#include "common/result.h"
#include "vmm/backend.h"
#include "vmm/shell.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace sf::host {

class ShellPool {
  public:
    ShellPool(std::shared_ptr<const vmm::Backend> backend, size_t target);
    ~ShellPool();
    ShellPool(const ShellPool&) = delete;
    ShellPool& operator=(const ShellPool&) = delete;

    Result<vmm::Shell> take();
    // {"ready", "target", "taken_warm", "taken_cold", "refill_errors", "last_error"}
    nlohmann::json stats() const;
    // Lowers the target (e.g. when the worker is nearly full of guests).
    void set_target(size_t target);

  private:
    void refill_loop();

    std::shared_ptr<const vmm::Backend> backend_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<vmm::Shell> ready_;
    size_t target_;
    uint64_t taken_warm_ = 0, taken_cold_ = 0, refill_errors_ = 0;
    std::string last_error_;
    bool stopping_ = false;
    std::thread refiller_;
};

} // namespace sf::host
