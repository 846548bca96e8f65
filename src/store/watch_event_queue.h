// superfluid store: WatchEventQueue, the socket server's WatchSink.
//
// Store delivers watch events on the thread whose call caused them: the
// server's own loop thread for changes made by its clients, any other thread
// for changes made directly (sfd). deliver() encodes the event, queues it
// under a lock and, when called off the loop thread, wakes the loop through
// an eventfd. The loop takes the queue and hands events to its clients.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "store/store.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sf::store {

struct QueuedEvent {
    ConnectionId connection = 0;
    std::string message; // a whole WATCH_EVENT message
};

class WatchEventQueue final : public WatchSink {
  public:
    static Result<std::shared_ptr<WatchEventQueue>> create();

    // Any thread. Events too large for one message are dropped.
    void deliver(ConnectionId connection, const WatchEvent& event) override;

    // Loop thread: the eventfd to poll, and who the loop thread is (no wake-up needed from it).
    int wake_fd() const { return wake_.get(); }
    void set_loop_thread(std::thread::id id) { loop_thread_ = id; }
    // Loop thread: wakes the loop for another reason (stop).
    void wake();
    // Loop thread: clears the eventfd's counter.
    void clear_wake();
    // Loop thread: whether anything may be queued (cheap), and the queued events in order.
    bool maybe_pending() const { return pending_.load(std::memory_order_acquire); }
    std::vector<QueuedEvent> take();

  private:
    explicit WatchEventQueue(UniqueFd wake) : wake_(std::move(wake)) {}

    UniqueFd wake_;
    std::atomic<std::thread::id> loop_thread_{};
    std::atomic<bool> pending_{false};
    std::mutex mutex_;
    std::vector<QueuedEvent> queue_; // guarded by mutex_
};

} // namespace sf::store
