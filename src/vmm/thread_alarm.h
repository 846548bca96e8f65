// superfluid monitor: ThreadAlarm, a timer that interrupts the calling thread's vCPU.
//
// A POSIX timer delivering a real-time signal to one thread; the handler calls
// Vcpu::interrupt_current_thread(). Once due, it fires again every `repeat`
// so that a signal landing between two KVM_RUNs (and so not seen) is followed
// by one that is. Use: a deadline for a foreground guest, a time slice for a
// worker's runner thread.
//
// Threading: create, set and cancel on the thread it interrupts. interrupt()
// may be called from any thread to interrupt that thread's vCPU at once.
#pragma once

#include "common/result.h"

#include <pthread.h>

#include <cstdint>
#include <ctime>

namespace sf::vmm {

class ThreadAlarm {
  public:
    static Result<ThreadAlarm> create();
    ThreadAlarm(ThreadAlarm&& other) noexcept;
    ThreadAlarm& operator=(ThreadAlarm&&) = delete;
    ThreadAlarm(const ThreadAlarm&) = delete;
    ThreadAlarm& operator=(const ThreadAlarm&) = delete;
    ~ThreadAlarm();

    // Fires at the absolute CLOCK_MONOTONIC time `host_ns`, then every `repeat_ns`.
    void set(uint64_t host_ns, uint64_t repeat_ns = 1000000);
    void cancel();
    // Signals the owning thread now (any thread may call this).
    void interrupt() const;

  private:
    ThreadAlarm(timer_t timer, pthread_t thread) : timer_(timer), thread_(thread), armed_(true) {}
    timer_t timer_;
    pthread_t thread_;
    bool armed_;
};

} // namespace sf::vmm
