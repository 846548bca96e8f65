// superfluid toolstack: ConsoleBacklog, the console bytes waiting for one
// follower of a guest's console.
//
// A follower that reads slower than its guest writes must not grow sfd: the
// backlog holds at most `budget` bytes and drops the oldest beyond that,
// counting them. The next take() then starts with a marker line,
// "[sfd: N bytes dropped]", where the dropped bytes would have been (on a
// line of its own: after a newline if the bytes taken before did not end
// with one), so the follower knows its stream has a gap and how large.
//
// Threading: not synchronised; the owner locks.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace sf::host {

class ConsoleBacklog {
  public:
    // `budget` > 0: the most bytes held (the marker is not counted).
    explicit ConsoleBacklog(size_t budget);

    // Appends `bytes`, then drops the oldest held bytes beyond the budget
    // (the tail of a chunk larger than the budget is kept).
    void push(std::string_view bytes);
    // Everything held, oldest first, led by the marker if bytes were dropped
    // since the last take(); leaves the backlog empty.
    std::deque<std::string> take();
    // Nothing to take (no bytes held, no drop to report).
    bool empty() const { return chunks_.empty() && unreported_ == 0; }
    size_t held() const { return held_; }
    // Bytes dropped since construction, reported or not.
    uint64_t dropped() const { return dropped_; }

    static std::string marker(uint64_t dropped_bytes);

  private:
    void drop_oldest(size_t bytes);

    const size_t budget_;
    std::deque<std::string> chunks_;
    size_t held_ = 0;
    uint64_t dropped_ = 0;
    uint64_t unreported_ = 0;     // dropped since the last take()
    bool taken_ends_line_ = true; // the last byte taken was a newline (or none was taken)
};

} // namespace sf::host
