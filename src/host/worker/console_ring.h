// superfluid worker: ConsoleRing, the bounded console buffer of one guest.
//
// Keeps the last `capacity` bytes a guest wrote; memory grows with the
// output, up to the capacity, so a quiet guest costs almost nothing.
// Threading: not synchronised; the owner locks.
#pragma once

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

  private:
    size_t capacity_;
    std::string buffer_; // grows to capacity_, then wraps at head_
    size_t head_ = 0;    // once full: index of the oldest byte
    uint64_t total_ = 0;
};

} // namespace sf::host
