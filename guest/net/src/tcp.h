// superfluid guest IP stack: internal TCP definitions (segment view, flags,
// sequence arithmetic, timer constants).
#ifndef SF_NET_TCP_H
#define SF_NET_TCP_H

#include <stddef.h>
#include <stdint.h>

namespace sf::net {

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;

constexpr uint64_t kTcpRtoNs = 200'000'000;      // fixed base RTO (no RTT estimate)
constexpr uint64_t kTcpRtoMaxNs = 8'000'000'000; // backoff doubles up to this
constexpr uint8_t kTcpMaxRetries = 8;            // then the connection is reset
constexpr uint8_t kTcpSynRetries = 3;            // SYN-ACKs before a half-open entry expires
constexpr uint64_t kTcpTimeWaitNs = 2'000'000'000;
constexpr uint64_t kTcpFinWait2Ns = 10'000'000'000;
constexpr uint16_t kTcpDefaultMss = 536;

// A received segment, checked and parsed; data points into the caller's frame.
struct TcpSegment {
    uint32_t src_ip;
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    uint16_t mss; // 0: no MSS option
    const uint8_t* data;
    size_t len;
    // Sequence space used: data plus SYN and FIN.
    uint32_t seq_len() const {
        return static_cast<uint32_t>(len) + ((flags & kTcpSyn) ? 1u : 0u) + ((flags & kTcpFin) ? 1u : 0u);
    }
};

inline int32_t seq_diff(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b);
}
inline bool seq_lt(uint32_t a, uint32_t b) {
    return seq_diff(a, b) < 0;
}
inline bool seq_gt(uint32_t a, uint32_t b) {
    return seq_diff(a, b) > 0;
}

} // namespace sf::net

#endif // SF_NET_TCP_H
