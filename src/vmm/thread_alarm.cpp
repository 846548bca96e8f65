// superfluid monitor: per-thread vCPU alarms.
#include "vmm/thread_alarm.h"

#include "vmm/backend.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <utility>

namespace sf::vmm {
namespace {

void on_alarm(int) {
    interrupt_current_cpu();
}

int alarm_signal() {
    return SIGRTMIN;
}

void install_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = on_alarm;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0; // no SA_RESTART: KVM_RUN and sleeps return EINTR
        sigaction(alarm_signal(), &action, nullptr);
    });
}

timespec to_timespec(uint64_t ns) {
    return {static_cast<time_t>(ns / 1000000000ull), static_cast<long>(ns % 1000000000ull)};
}

} // namespace

Result<ThreadAlarm> ThreadAlarm::create() {
    install_handler();
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = alarm_signal();
    event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
    timer_t timer{};
    if (timer_create(CLOCK_MONOTONIC, &event, &timer) < 0)
        return error("timer_create failed: {}", std::strerror(errno));
    return ThreadAlarm(timer, pthread_self());
}

ThreadAlarm::ThreadAlarm(ThreadAlarm&& other) noexcept
    : timer_(other.timer_), thread_(other.thread_), armed_(std::exchange(other.armed_, false)) {}

ThreadAlarm::~ThreadAlarm() {
    if (armed_) timer_delete(timer_);
}

void ThreadAlarm::set(uint64_t host_ns, uint64_t repeat_ns) {
    itimerspec spec{to_timespec(repeat_ns), to_timespec(host_ns)};
    timer_settime(timer_, TIMER_ABSTIME, &spec, nullptr);
}

void ThreadAlarm::cancel() {
    itimerspec spec{};
    timer_settime(timer_, 0, &spec, nullptr);
}

void ThreadAlarm::interrupt() const {
    pthread_kill(thread_, alarm_signal());
}

} // namespace sf::vmm
