// sf-bench: Ctrl-C during a benchmark; see interrupts.h.
#include "bench/common/interrupts.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace sf::bench {
namespace {

std::atomic<int> g_interrupts{0};

void on_interrupt(int signal_number) {
    if (g_interrupts.fetch_add(1) >= 1) {
        ::signal(signal_number, SIG_DFL);
        ::raise(signal_number);
    }
}

} // namespace

struct InterruptGuard::Saved {
    struct sigaction old_int = {}, old_term = {};
};

InterruptGuard::InterruptGuard() : saved_(new Saved) {
    g_interrupts = 0;
    struct sigaction action = {};
    action.sa_handler = on_interrupt;
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &saved_->old_int);
    ::sigaction(SIGTERM, &action, &saved_->old_term);
}

InterruptGuard::~InterruptGuard() {
    ::sigaction(SIGINT, &saved_->old_int, nullptr);
    ::sigaction(SIGTERM, &saved_->old_term, nullptr);
    delete saved_;
}

bool interrupted() {
    return g_interrupts.load() > 0;
}

bool pause_for(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
        if (interrupted()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return !interrupted();
}

} // namespace sf::bench
