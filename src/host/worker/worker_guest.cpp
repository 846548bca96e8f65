// superfluid worker: a guest's console and events.
#include "host/worker/worker_guest.h"

#include "vmm/guest_clock.h"

#include <algorithm>

namespace sf::host {

void WorkerGuest::write(std::span<const uint8_t> bytes) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    bool first = false, forward = false;
    {
        std::lock_guard lock(console_mutex_);
        ring_.append(text);
        if (log_) log_->append(text);
        first = !first_output_seen_ && !text.empty();
        first_output_seen_ = first_output_seen_ || first;
        forward = followers_ > 0;
    }
    if (first)
        events_.guest_event(id_,
                            {worker_api::GuestEvent::Kind::FirstOutput, vmm::host_monotonic_ns(), 0, {}});
    if (forward) events_.guest_console(id_, text);
}

Result<void> WorkerGuest::open_log(const std::string& path, uint64_t max_bytes) {
    SF_TRY_ASSIGN(ConsoleLog log, ConsoleLog::open(path, max_bytes));
    std::lock_guard lock(console_mutex_);
    log_.emplace(std::move(log));
    return ok();
}

std::string WorkerGuest::console_contents() const {
    std::lock_guard lock(console_mutex_);
    return ring_.contents();
}

uint64_t WorkerGuest::console_total() const {
    std::lock_guard lock(console_mutex_);
    return ring_.total();
}

std::string WorkerGuest::follow() {
    std::lock_guard lock(console_mutex_);
    ++followers_;
    return ring_.contents();
}

void WorkerGuest::unfollow() {
    std::lock_guard lock(console_mutex_);
    followers_ = std::max(0, followers_ - 1);
}

std::string WorkerGuest::save_console() const {
    std::lock_guard lock(console_mutex_);
    return ring_.save();
}

Result<void> WorkerGuest::restore_console(std::string_view payload) {
    std::lock_guard lock(console_mutex_);
    SF_TRY(ring_.load(payload));
    first_output_seen_ = ring_.total() > 0;
    return ok();
}

} // namespace sf::host
