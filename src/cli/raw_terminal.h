// sfctl: RawTerminal, a terminal in raw input mode for as long as it lives
// (`sfctl console`): keys arrive one by one, unechoed, and Ctrl-C is a byte,
// not a signal. Output processing stays on, so "\n" still starts a new line.
//
// The saved mode is restored by the destructor, and also if SIGINT, SIGTERM,
// SIGHUP or SIGQUIT arrives (the signal then takes its default action), so a
// killed sfctl does not leave the user's shell raw. One at a time per process.
#pragma once

#include "common/result.h"

#include <memory>

namespace sf::cli {

class RawTerminal {
  public:
    // Fails if `fd` is not a terminal.
    static Result<std::unique_ptr<RawTerminal>> enter(int fd);
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

  private:
    RawTerminal() = default;
};

} // namespace sf::cli
