// superfluid worker: console rings.
#include "host/worker/console_ring.h"

#include "host/worker/worker_records.h"

#include <cstring>

namespace sf::host {

void ConsoleRing::append(std::string_view bytes) {
    total_ += bytes.size();
    if (capacity_ == 0) return;
    if (bytes.size() >= capacity_) {
        buffer_.assign(bytes.substr(bytes.size() - capacity_));
        head_ = 0;
        return;
    }
    size_t room = capacity_ - buffer_.size();
    size_t grow = std::min(room, bytes.size());
    buffer_.append(bytes.substr(0, grow));
    bytes.remove_prefix(grow);
    while (!bytes.empty()) { // full: overwrite the oldest bytes
        size_t n = std::min(bytes.size(), capacity_ - head_);
        buffer_.replace(head_, n, bytes.substr(0, n));
        head_ = (head_ + n) % capacity_;
        bytes.remove_prefix(n);
    }
}

std::string ConsoleRing::contents() const {
    if (buffer_.size() < capacity_ || head_ == 0) return buffer_;
    return buffer_.substr(head_) + buffer_.substr(0, head_);
}

std::string ConsoleRing::save() const {
    const std::string kept = contents();
    const records::ConsoleRecord header{records::kConsoleVersion, 0, total_, kept.size()};
    std::string payload(sizeof header, '\0');
    std::memcpy(payload.data(), &header, sizeof header);
    return payload + kept;
}

Result<void> ConsoleRing::load(std::string_view payload) {
    records::ConsoleRecord header;
    if (payload.size() < sizeof header)
        return error("Console record of {} bytes is too short", payload.size());
    std::memcpy(&header, payload.data(), sizeof header);
    if (header.version != records::kConsoleVersion)
        return error("Console record version {}; this worker reads {}", header.version,
                     records::kConsoleVersion);
    const std::string_view kept = payload.substr(sizeof header);
    if (header.kept != kept.size() || header.kept > header.total)
        return error("Console record of {} bytes claims {} kept of {}", kept.size(), header.kept,
                     header.total);
    buffer_.clear();
    head_ = 0;
    total_ = 0;
    append(kept);
    total_ = header.total;
    return ok();
}

} // namespace sf::host
