// superfluid toolstack: PendingReplies, the calls to a helper process (an
// sf-worker, sf-ctrmon) that wait for their replies, matched by request id
// (replies may come out of order). Header-only.
//
// A caller add()s its id before it sends, then wait()s; the reader thread
// deliver()s each reply, and close()s the table when the process goes away,
// which fails every call waiting and every later add(). A reply that comes
// after its call stopped waiting finds no one and is dropped.
//
// Threading: every member from any thread.
#pragma once

#include "common/result.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sf::host {

template <typename Reply> class PendingReplies {
  public:
    // Registers call `id`; false once the table is closed.
    [[nodiscard]] bool add(uint64_t id) {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        pending_.emplace(id, std::nullopt);
        return true;
    }

    // Forgets call `id` (one whose request could not be sent).
    void forget(uint64_t id) {
        std::lock_guard lock(mutex_);
        pending_.erase(id);
    }

    // Waits up to `timeout` for call `id`'s reply (or the error close() gave it), then forgets the
    // call; nullopt when the time ran out.
    std::optional<Result<Reply>> wait(uint64_t id, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        std::optional<Result<Reply>> reply;
        if (replied_.wait_for(lock, timeout, [&] { return pending_.at(id).has_value(); }))
            reply = std::move(*pending_.at(id));
        pending_.erase(id);
        return reply;
    }

    // The reply to call `id`.
    void deliver(uint64_t id, Reply reply) {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        it->second.emplace(std::move(reply));
        replied_.notify_all();
    }

    // Fails every call waiting with Unavailable and `why`, and refuses later ones.
    void close(const std::string& why) {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (auto& [id, slot] : pending_)
            if (!slot) slot.emplace(error(ErrorKind::Unavailable, "{}", why));
        replied_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable replied_;
    std::map<uint64_t, std::optional<Result<Reply>>> pending_;
    bool closed_ = false;
};

} // namespace sf::host
