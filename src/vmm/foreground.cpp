// superfluid monitor: the foreground driver.
#include "vmm/foreground.h"

#include <csignal>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <sys/syscall.h>
#include <unistd.h>

namespace sf::vmm {
namespace {

void on_alarm(int) { Vcpu::interrupt_current_thread(); }

int alarm_signal() { return SIGRTMIN; }

void install_alarm_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action{};
        action.sa_handler = on_alarm;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0; // no SA_RESTART: KVM_RUN and sleeps return EINTR
        sigaction(alarm_signal(), &action, nullptr);
    });
}

// A timer that signals this thread from an absolute CLOCK_MONOTONIC time on, every millisecond.
class ThreadAlarm {
  public:
    static Result<ThreadAlarm> arm(uint64_t host_deadline_ns) {
        install_alarm_handler();
        sigevent event{};
        event.sigev_notify = SIGEV_THREAD_ID;
        event.sigev_signo = alarm_signal();
        event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
        timer_t timer{};
        if (timer_create(CLOCK_MONOTONIC, &event, &timer) < 0)
            return error("timer_create failed: {}", std::strerror(errno));
        ThreadAlarm alarm(timer);
        itimerspec spec{};
        spec.it_value.tv_sec = static_cast<time_t>(host_deadline_ns / 1000000000ull);
        spec.it_value.tv_nsec = static_cast<long>(host_deadline_ns % 1000000000ull);
        spec.it_interval.tv_nsec = 1000000; // repeat: a signal outside KVM_RUN is not seen
        if (timer_settime(timer, TIMER_ABSTIME, &spec, nullptr) < 0)
            return error("timer_settime failed: {}", std::strerror(errno));
        return alarm;
    }
    ThreadAlarm(ThreadAlarm&& other) noexcept : timer_(other.timer_), armed_(std::exchange(other.armed_, false)) {}
    ThreadAlarm(const ThreadAlarm&) = delete;
    ThreadAlarm& operator=(const ThreadAlarm&) = delete;
    ThreadAlarm& operator=(ThreadAlarm&&) = delete;
    ~ThreadAlarm() {
        if (armed_) timer_delete(timer_);
    }

  private:
    explicit ThreadAlarm(timer_t timer) : timer_(timer), armed_(true) {}
    timer_t timer_;
    bool armed_;
};

// Sleeps until the host monotonic time `until_ns`; returns early on a signal.
void sleep_until(uint64_t until_ns) {
    timespec ts{static_cast<time_t>(until_ns / 1000000000ull), static_cast<long>(until_ns % 1000000000ull)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

} // namespace

Result<ForegroundResult> run_foreground(Guest& guest, std::optional<std::chrono::nanoseconds> timeout) {
    const uint64_t deadline = timeout ? host_monotonic_ns() + static_cast<uint64_t>(timeout->count()) : UINT64_MAX;
    std::optional<ThreadAlarm> alarm;
    if (timeout) {
        SF_TRY_ASSIGN(ThreadAlarm armed, ThreadAlarm::arm(deadline));
        alarm.emplace(std::move(armed));
    }
    for (;;) {
        SF_TRY_ASSIGN(RunOutcome outcome, guest.run());
        switch (outcome.kind) {
        case RunOutcome::Kind::Exited: return ForegroundResult{ForegroundResult::Kind::Exited, outcome.status, {}};
        case RunOutcome::Kind::Faulted:
            return ForegroundResult{ForegroundResult::Kind::Faulted, 0, std::move(outcome.reason)};
        case RunOutcome::Kind::Blocked: {
            uint64_t wake = guest.clock().to_host_ns(outcome.deadline_ns);
            while (host_monotonic_ns() < std::min(wake, deadline)) sleep_until(std::min(wake, deadline));
            break;
        }
        case RunOutcome::Kind::Interrupted: break;
        }
        if (host_monotonic_ns() >= deadline) return ForegroundResult{ForegroundResult::Kind::TimedOut, 0, {}};
    }
}

} // namespace sf::vmm
