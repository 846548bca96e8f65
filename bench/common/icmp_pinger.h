// sf-bench: ICMP echo from a program, for "does this address answer yet"
// (storm --net, readiness of the net benchmark's targets).
//
// An ICMP datagram socket (SOCK_DGRAM, IPPROTO_ICMP): the kernel picks the
// identifier and hands this socket only the replies to its own requests. It
// needs net.ipv4.ping_group_range to include our group, which scripts/testns
// sets inside its namespace.
//
// Threading: one IcmpPinger per thread.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstdint>
#include <memory>

namespace sf::bench {

class IcmpPinger {
  public:
    static Result<std::unique_ptr<IcmpPinger>> create();
    ~IcmpPinger();
    IcmpPinger(const IcmpPinger&) = delete;
    IcmpPinger& operator=(const IcmpPinger&) = delete;

    // Sends echo requests to `ip` (host byte order), one per `interval`, up to
    // `tries`, until one is answered; returns the time from the first request
    // to the reply in ms. Error when none is answered (or on a socket error).
    Result<double> ping(uint32_t ip, std::chrono::milliseconds interval, int tries);

  private:
    explicit IcmpPinger(int fd) : fd_(fd) {}
    Result<void> send_echo(uint32_t ip, uint16_t sequence);
    // True when a reply from `ip` to one of the sequence numbers first..last
    // came before `deadline`.
    Result<bool> await_reply(uint32_t ip, uint16_t first, uint16_t last,
                             std::chrono::steady_clock::time_point deadline);

    int fd_;
    uint16_t sequence_ = 0;
};

} // namespace sf::bench
