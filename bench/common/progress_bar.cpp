// sf-bench: progress bar; see progress_bar.h.
#include "bench/common/progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace sf::bench {

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() {
    finish();
}

bool ProgressBar::stderr_is_tty() {
    return ::isatty(STDERR_FILENO) == 1;
}

void ProgressBar::update(size_t done, size_t failed) {
    if (!enabled_) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return; // another thread is drawing
    last_done_ = done;
    last_failed_ = failed;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw_locked(done, failed);
}

void ProgressBar::draw_locked(size_t done, size_t failed) {
    constexpr size_t kWidth = 30;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const size_t filled = total_ == 0 ? kWidth : done * kWidth / total_;
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    std::string failures = failed > 0 ? fmt::format(", {} failed", failed) : "";
    fmt::print(stderr, "\r\033[K{} [{}] {}/{}{}  {:.0f}/s  {:.1f} s", label_, bar, done, total_, failures,
               elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0, elapsed);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::note(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (drawn_) fmt::print(stderr, "\r\033[K");
    fmt::print(stderr, "{}\n", line);
    if (drawn_) draw_locked(last_done_, last_failed_);
}

void ProgressBar::finish() {
    std::lock_guard lock(mutex_);
    if (drawn_) fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

} // namespace sf::bench
