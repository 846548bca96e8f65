// superfluid guest IP stack: the Stack object (construction, timers).
#include "sf/net/stack.h"

#include "sf/string.h"

namespace sf::net {

namespace {
constexpr uint16_t kMinMtu = 576;
}

Stack::Stack(const Config& config) : config_(config) {
    if (config_.mtu < kMinMtu) config_.mtu = kMinMtu;
    if (config_.mtu > kMaxMtu) config_.mtu = static_cast<uint16_t>(kMaxMtu);
    // ISS seed: differs per address so that two guests do not pick the same numbers.
    iss_seed_ = config_.ip * 2654435761u;
    for (size_t i = 0; i < kMacLen; ++i)
        iss_seed_ = (iss_seed_ ^ config_.mac[i]) * 16777619u;
    for (size_t i = 0; i < kArpEntries; ++i)
        arp_[i].pending = arp_pending_[i];
    for (size_t i = 0; i < kTcpConnections; ++i) {
        tcp_[i].tx = tcp_tx_[i];
        tcp_[i].rx = tcp_rx_[i];
    }
}

void Stack::poll(uint64_t now_ns) {
    if (now_ns > now_ns_) now_ns_ = now_ns;
    arp_poll();
    for (TcpConnection& c : tcp_)
        if (c.used) tcp_poll_connection(c);
}

void Stack::flush_acks() {
    for (TcpConnection& c : tcp_) {
        if (!c.used || !c.ack_pending) continue;
        c.ack_pending = false;
        tcp_send_ack(c);
    }
}

uint64_t Stack::next_deadline_ns() const {
    uint64_t next = UINT64_MAX;
    for (const ArpEntry& e : arp_)
        if (e.used && !e.resolved && e.deadline_ns < next) next = e.deadline_ns;
    for (const TcpConnection& c : tcp_)
        if (c.used && c.timer_ns != 0 && c.timer_ns < next) next = c.timer_ns;
    return next;
}

} // namespace sf::net
