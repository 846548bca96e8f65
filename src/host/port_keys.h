// superfluid toolstack: PortKeys, the host-unique keys of NetService's guest
// ports.
//
// A worker tags every frame of a guest NIC with the NIC's port key, so a key
// must never name two ports at once. issue() hands out fresh keys in order
// from 1 (the pools' sinks get theirs from it). A restarted sfd keeps the
// keys its surviving guests use: reserve(highest_used) first moves issue()
// past them, then claim(key) gives each surviving port its key back.
//
// claim(key) succeeds only for a key issue() never handed out and no claim
// holds: a key at or below a reserve() made when issue() was still below it,
// or a key issue() has not reached yet (issue() then moves past it). A key
// issue() handed out is refused even after its port went (conservative: the
// pools' warm ports hold issued keys that are not leases). Keys are not
// reused otherwise; 2^32 - 1 issued keys are assumed never to wrap.
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <mutex>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sf::host {

class PortKeys {
  public:
    // A key never issued or claimed before.
    uint32_t issue() {
        std::lock_guard lock(mutex_);
        return next_++;
    }

    // Keys issued from now on are > highest_used; keys <= highest_used that
    // were not issued yet can be claimed.
    void reserve(uint32_t highest_used) {
        std::lock_guard lock(mutex_);
        reserve_locked(highest_used);
    }

    // InvalidArgument for key 0; Conflict if the key was issued or is claimed.
    Result<void> claim(uint32_t key) {
        std::lock_guard lock(mutex_);
        if (key == 0) return error(ErrorKind::InvalidArgument, "port key 0 is not a port key");
        reserve_locked(key);
        if (!unissued(key)) return error(ErrorKind::Conflict, "port key {} is in use", key);
        if (!claimed_.insert(key).second) return error(ErrorKind::Conflict, "port key {} is in use", key);
        return ok();
    }

    // Whether claim(key) would succeed now.
    bool claimable(uint32_t key) {
        std::lock_guard lock(mutex_);
        return key != 0 && key < next_ && unissued(key) && !claimed_.contains(key);
    }

    // Gives back a claimed key (it may be claimed again); others are ignored.
    void release(uint32_t key) {
        std::lock_guard lock(mutex_);
        claimed_.erase(key);
    }

  private:
    void reserve_locked(uint32_t highest_used) {
        if (highest_used < next_) return;
        if (!reserved_.empty() && reserved_.back().second + 1 == next_)
            reserved_.back().second = highest_used; // adjacent: one range
        else
            reserved_.emplace_back(next_, highest_used);
        next_ = highest_used + 1;
    }
    bool unissued(uint32_t key) const {
        for (const auto& [low, high] : reserved_)
            if (key >= low && key <= high) return true;
        return false;
    }

    std::mutex mutex_;
    uint32_t next_ = 1;
    std::vector<std::pair<uint32_t, uint32_t>> reserved_; // ranges issue() skipped
    std::unordered_set<uint32_t> claimed_;
};

} // namespace sf::host
