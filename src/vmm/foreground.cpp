// superfluid monitor: the foreground driver.
#include "vmm/foreground.h"

#include "vmm/thread_alarm.h"

#include <ctime>

namespace sf::vmm {
namespace {

// Sleeps until the host monotonic time `until_ns`; returns early on a signal.
void sleep_until(uint64_t until_ns) {
    timespec ts{static_cast<time_t>(until_ns / 1000000000ull), static_cast<long>(until_ns % 1000000000ull)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

} // namespace

Result<ForegroundResult> run_foreground(Guest& guest, std::optional<std::chrono::nanoseconds> timeout) {
    const uint64_t deadline =
        timeout ? host_monotonic_ns() + static_cast<uint64_t>(timeout->count()) : UINT64_MAX;
    std::optional<ThreadAlarm> alarm;
    if (timeout) {
        SF_TRY_ASSIGN(ThreadAlarm created, ThreadAlarm::create());
        alarm.emplace(std::move(created));
        alarm->set(deadline);
    }
    for (;;) {
        SF_TRY_ASSIGN(RunOutcome outcome, guest.run());
        switch (outcome.kind) {
        case RunOutcome::Kind::Exited:
            return ForegroundResult{ForegroundResult::Kind::Exited, outcome.status, {}};
        case RunOutcome::Kind::Faulted:
            return ForegroundResult{ForegroundResult::Kind::Faulted, 0, std::move(outcome.reason)};
        case RunOutcome::Kind::Blocked: {
            uint64_t wake = guest.clock().to_host_ns(outcome.deadline_ns);
            while (host_monotonic_ns() < std::min(wake, deadline))
                sleep_until(std::min(wake, deadline));
            break;
        }
        case RunOutcome::Kind::Interrupted: break;
        }
        if (host_monotonic_ns() >= deadline) return ForegroundResult{ForegroundResult::Kind::TimedOut, 0, {}};
    }
}

} // namespace sf::vmm
