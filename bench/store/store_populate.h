// sf-bench store: loads a store like `guests` guests of sfd (store_layout.h).
//
// One connection, transactions of 50 guests each, so that a durable back-end
// syncs once per 850 nodes. Every reply is checked: a write answered with an
// error is counted (and the first such reply kept) and the load goes on; a
// commit refused with EAGAIN is counted as a conflict and the transaction
// retried (up to 10 times, then an error); any other failed start or commit
// is an error of the whole load.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>

namespace sf::bench {

struct PopulateResult {
    uint64_t writes = 0;     // write requests sent (retries included)
    uint64_t errors = 0;     // writes answered with an error
    uint64_t conflicts = 0;  // commits refused with EAGAIN (and retried)
    std::string first_error; // "WRITE /local/domain/3/name: EINVAL", empty without errors
};

Result<PopulateResult> populate_store(const std::string& socket_path, int guests);

} // namespace sf::bench
