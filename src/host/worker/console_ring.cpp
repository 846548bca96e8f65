// superfluid worker: console rings.
#include "host/worker/console_ring.h"

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

} // namespace sf::host
