// superfluid monitor: the bounds on a snapshot stream's waits.
#include "vmm/snapshot/io_deadline.h"

#include <algorithm>

namespace sf::vmm::snapshot {

int IoDeadline::next_wait_ms() const {
    using std::chrono::milliseconds;
    milliseconds wait = stall;
    if (deadline) {
        const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
        wait = std::min(wait, std::max(left, milliseconds(0)));
    }
    return static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1 << 30));
}

} // namespace sf::vmm::snapshot
