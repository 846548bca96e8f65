// superfluid monitor: running one guest to its end on the calling thread.
//
// The driver behind `sfctl run`, `sf-bench boot` and the end-to-end tests:
// it waits out the guest's polls by sleeping, and enforces an optional
// timeout with a per-thread timer signal that interrupts KVM_RUN, so even a
// guest spinning forever is stopped.
#pragma once

#include "common/result.h"
#include "vmm/guest.h"

#include <chrono>
#include <optional>
#include <string>

namespace sf::vmm {

struct ForegroundResult {
    enum class Kind { Exited, Faulted, TimedOut };
    Kind kind = Kind::Exited;
    int32_t status = 0; // Exited
    std::string reason; // Faulted
};

Result<ForegroundResult> run_foreground(Guest& guest, std::optional<std::chrono::nanoseconds> timeout);

} // namespace sf::vmm
