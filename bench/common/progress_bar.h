// sf-bench: a one-line progress bar on stderr, drawn only when stderr is a TTY.
//
// Threading: update() and note() may be called from many threads at once;
// redraws are throttled to ten a second. finish() clears the line; call it
// from one thread once the others are done.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace sf::bench {

class ProgressBar {
  public:
    // `enabled` false draws nothing (note() still prints).
    ProgressBar(std::string label, size_t total, bool enabled);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // `done` of the total are finished, `failed` of them failed.
    void update(size_t done, size_t failed);
    // Prints one line on stderr above the bar.
    void note(const std::string& line);
    void finish();

    // Whether stderr is a terminal (where a bar makes sense).
    static bool stderr_is_tty();

  private:
    void draw_locked(size_t done, size_t failed);

    std::string label_;
    size_t total_;
    bool enabled_;
    bool drawn_ = false;
    size_t last_done_ = 0, last_failed_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
    std::mutex mutex_;
};

} // namespace sf::bench
