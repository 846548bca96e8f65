// sf-bench store: loads a store like `guests` guests of sfd (store_layout.h).
//
// One connection, transactions of 50 guests each (a conflicting commit is
// retried), so that a durable back-end syncs once per 850 nodes.
#pragma once

#include "common/result.h"

#include <string>

namespace sf::bench {

Result<void> populate_store(const std::string& socket_path, int guests);

} // namespace sf::bench
