// superfluid worker: ConsoleRing, the bounded console buffer of one guest.
//
// Keeps the last `capacity` bytes a guest wrote; memory grows with the
// output, up to the capacity, so a quiet guest costs almost nothing.
// A snapshot carries it as a Console record (worker_records.h): save() and
// load() are that record's payload.
// Threading: not synchronised; the owner locks.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::host {

class ConsoleRing {
  public:
    explicit ConsoleRing(size_t capacity) : capacity_(capacity) {}

    void append(std::string_view bytes);
    // The kept bytes, oldest first.
    std::string contents() const;
    // Bytes written since the start, kept or not.
    uint64_t total() const { return total_; }

    // The Console record's payload: the total and the kept bytes.
    std::string save() const;
    // Replaces the contents with a Console record's (keeping this ring's
    // capacity: the newest bytes if it is smaller). Errors: a malformed payload
    // (the ring is then unchanged).
    Result<void> load(std::string_view payload);

  private:
    size_t capacity_;
    std::string buffer_; // grows to capacity_, then wraps at head_
    size_t head_ = 0;    // once full: index of the oldest byte
    uint64_t total_ = 0;
};

} // namespace sf::host
