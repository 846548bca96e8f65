// superfluid worker: ConsoleLog, a guest's console appended to a file that
// never grows past a cap.
//
// With --log-dir DIR each guest's console also goes to DIR/NAME.log. When the
// next bytes would take that file past max_bytes (--log-max-bytes), it is
// renamed NAME.log.1 (replacing an older one) and a new NAME.log starts: a
// guest holds at most twice max_bytes on disk, and NAME.log.1 followed by
// NAME.log is the newest output without a gap. A file found there already
// (an earlier guest of the same name) is appended to, and its size counts.
//
// Best effort, like a tty: a write that fails loses those bytes, never the
// guest. If the rename fails the new NAME.log is truncated instead, so the
// cap holds either way.
//
// Threading: one caller at a time (WorkerGuest holds its console mutex).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sf::host {

// sfd's and sf-worker's --log-max-bytes default.
inline constexpr uint64_t kDefaultLogMaxBytes = 4 << 20;

class ConsoleLog {
  public:
    // Opens (creates) `path` for appending; max_bytes >= 1.
    static Result<ConsoleLog> open(std::string path, uint64_t max_bytes);

    void append(std::string_view bytes);
    uint64_t size() const { return size_; } // of NAME.log

  private:
    ConsoleLog(std::string path, uint64_t max_bytes, UniqueFd fd, uint64_t size)
        : path_(std::move(path)), max_bytes_(max_bytes), fd_(std::move(fd)), size_(size) {}
    // NAME.log -> NAME.log.1, and an empty NAME.log.
    void rotate();

    std::string path_;
    uint64_t max_bytes_;
    UniqueFd fd_; // invalid after a failed rotation: the rest is lost
    uint64_t size_;
};

} // namespace sf::host
