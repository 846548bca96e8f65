// sf-bench migrate: the baseline for total_ms, the raw TCP transfer time of
// the same number of bytes between the same two test hosts (same link, same
// shaping), measured in the same run.
//
// A receiver listens in the destination host's namespace and answers one
// byte once it has read them all; the sender, in the source host's
// namespace, connects, writes them and waits for that byte. The time runs
// from connect() to that byte (a migration opens its connection too).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <string>

namespace sf::bench {

struct TransferEnds {
    std::string from_ns, to_ns; // network namespaces of the sender and the receiver
    uint32_t to_ip = 0;         // the receiver's address (host order)
    uint16_t port = 7441;
};

// Milliseconds to send `bytes` over a fresh connection (see above).
Result<double> tcp_transfer_ms(const TransferEnds& ends, uint64_t bytes);

} // namespace sf::bench
