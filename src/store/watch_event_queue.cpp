// superfluid store: WatchEventQueue, events from any thread to the server's loop.
#include "store/watch_event_queue.h"

#include "store/wire.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::store {

Result<std::shared_ptr<WatchEventQueue>> WatchEventQueue::create() {
    UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!fd.valid()) return error("eventfd: {}", std::strerror(errno));
    return std::shared_ptr<WatchEventQueue>(new WatchEventQueue(std::move(fd)));
}

void WatchEventQueue::deliver(ConnectionId connection, const WatchEvent& event) {
    QueuedEvent queued{connection, {}};
    if (!wire::append_watch_event(queued.message, event.path, event.token)) return;
    bool was_empty = false;
    {
        std::lock_guard lock(mutex_);
        was_empty = queue_.empty();
        queue_.push_back(std::move(queued));
        pending_.store(true, std::memory_order_release);
    }
    if (was_empty && std::this_thread::get_id() != loop_thread_.load()) wake();
}

void WatchEventQueue::wake() {
    const uint64_t one = 1;
    // EAGAIN only when the counter is saturated: the loop is woken anyway.
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

void WatchEventQueue::clear_wake() {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof(count));
}

std::vector<QueuedEvent> WatchEventQueue::take() {
    std::vector<QueuedEvent> events;
    std::lock_guard lock(mutex_);
    events.swap(queue_);
    pending_.store(false, std::memory_order_release);
    return events;
}

} // namespace sf::store
