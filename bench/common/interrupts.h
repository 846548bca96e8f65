// sf-bench: Ctrl-C during a benchmark. A first SIGINT or SIGTERM asks the
// benchmark to stop and clean up (interrupted() turns true); a second one
// quits at once (the children then get SIGTERM as their parent-death signal).
//
// Threading: interrupted() and pause_for() from any thread; one
// InterruptGuard at a time.
#pragma once

namespace sf::bench {

// Installs the handler for SIGINT and SIGTERM for its lifetime.
class InterruptGuard {
  public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

  private:
    struct Saved;
    Saved* saved_;
};

bool interrupted();

// Sleeps, in short slices; false if interrupted meanwhile.
bool pause_for(double seconds);

} // namespace sf::bench
