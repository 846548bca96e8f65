// sf-bench net: a UDP echo load client. Keeps a window of datagrams
// outstanding towards an echo server and sends a new one for each echo that
// comes back; datagrams lost (no echo within the loss timeout) are written
// off and the window refilled. Counts echoes over a fixed duration.
//
// Threading: a plain function; blocks for the duration.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sf::bench {

struct UdpEchoOptions {
    uint32_t ip = 0; // host byte order
    uint16_t port = 7;
    std::chrono::milliseconds duration{3000};
    int window = 16;     // datagrams in flight
    size_t payload = 64; // bytes, at least 8 (a sequence number)
    std::chrono::milliseconds loss_timeout{50};
};

struct UdpEchoResult {
    uint64_t sent = 0, echoed = 0, written_off = 0;
    double seconds = 0;
    double echoes_per_second() const { return seconds > 0 ? static_cast<double>(echoed) / seconds : 0; }
};

Result<UdpEchoResult> run_udp_echo(const UdpEchoOptions& options);

} // namespace sf::bench
