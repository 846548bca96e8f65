// superfluid toolstack: ConsoleBacklog (a follower's bounded console queue).
#include "host/console_backlog.h"

#include <fmt/format.h>

namespace sf::host {

ConsoleBacklog::ConsoleBacklog(size_t budget) : budget_(budget > 0 ? budget : 1) {}

std::string ConsoleBacklog::marker(uint64_t dropped_bytes) {
    return fmt::format("[sfd: {} bytes dropped]\n", dropped_bytes);
}

void ConsoleBacklog::push(std::string_view bytes) {
    if (bytes.empty()) return;
    if (bytes.size() > budget_) { // only its tail can stay
        drop_oldest(held_);
        const size_t skipped = bytes.size() - budget_;
        dropped_ += skipped;
        unreported_ += skipped;
        bytes.remove_prefix(skipped);
    }
    chunks_.emplace_back(bytes);
    held_ += bytes.size();
    if (held_ > budget_) drop_oldest(held_ - budget_);
}

void ConsoleBacklog::drop_oldest(size_t bytes) {
    dropped_ += bytes;
    unreported_ += bytes;
    held_ -= bytes;
    while (bytes > 0) {
        std::string& front = chunks_.front();
        if (front.size() <= bytes) {
            bytes -= front.size();
            chunks_.pop_front();
        } else {
            front.erase(0, bytes);
            bytes = 0;
        }
    }
}

std::deque<std::string> ConsoleBacklog::take() {
    std::deque<std::string> taken;
    taken.swap(chunks_);
    held_ = 0;
    if (unreported_ > 0) {
        taken.push_front((taken_ends_line_ ? "" : "\n") + marker(unreported_));
        unreported_ = 0;
    }
    if (!taken.empty() && !taken.back().empty()) taken_ends_line_ = taken.back().back() == '\n';
    return taken;
}

} // namespace sf::host
