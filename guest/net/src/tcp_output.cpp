// superfluid guest IP stack: TCP send path and timers.
//
// Data waits in the connection's transmit ring from snd_una on and is sent
// in MSS-sized segments within the peer's window. One timer per connection
// covers SYN-ACK and data retransmission (go-back-N from snd_una, RTO
// doubling up to kTcpRtoMaxNs, reset after kTcpMaxRetries), zero-window
// probes, FIN_WAIT_2 and TIME_WAIT expiry.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "tcp.h"
#include "wire.h"

namespace sf::net {

uint16_t Stack::tcp_rcv_window(const TcpConnection& c) const {
    return static_cast<uint16_t>(kTcpBufferBytes - c.rx_len);
}

uint32_t Stack::tcp_new_iss() {
    // Not cryptographic: an LCG stirred with the clock (RFC 6528 wants a keyed hash).
    iss_seed_ = iss_seed_ * 1103515245u + 12345u + static_cast<uint32_t>(now_ns_ >> 10);
    return iss_seed_;
}

// Builds one segment; `data_off` is the offset of its data from snd_una in the ring.
void Stack::tcp_send_segment(const TcpConnection& c, uint32_t seq, uint8_t flags, size_t data_off,
                             size_t data_len) {
    uint8_t* t = ip_payload();
    const size_t hlen = (flags & kTcpSyn) ? kTcpHeader + 4 : kTcpHeader;
    store16(t, c.local_port);
    store16(t + 2, c.remote_port);
    store32(t + 4, seq);
    store32(t + 8, (flags & kTcpAck) ? c.rcv_nxt : 0);
    t[12] = static_cast<uint8_t>((hlen / 4) << 4);
    t[13] = flags;
    store16(t + 14, tcp_rcv_window(c));
    store32(t + 16, 0); // checksum, urgent pointer
    if (flags & kTcpSyn) {
        t[20] = 2;
        t[21] = 4;
        store16(t + 22, static_cast<uint16_t>(max_ip_payload() - kTcpHeader));
    }
    const size_t start = (c.tx_head + data_off) % kTcpBufferBytes;
    const size_t first = data_len < kTcpBufferBytes - start ? data_len : kTcpBufferBytes - start;
    sf_memcpy(t + hlen, c.tx + start, first);
    sf_memcpy(t + hlen + first, c.tx, data_len - first);
    const size_t len = hlen + data_len;
    store16(t + 16,
            checksum_fold(checksum_add(checksum_pseudo(0, config_.ip, c.remote_ip, kProtoTcp, len), t, len)));
    (void)ipv4_send(c.remote_ip, kProtoTcp, len);
}

void Stack::tcp_send_reset(uint32_t dst, uint16_t dst_port, uint16_t src_port, uint32_t seq, uint32_t ack,
                           bool with_ack) {
    uint8_t* t = ip_payload();
    store16(t, src_port);
    store16(t + 2, dst_port);
    store32(t + 4, seq);
    store32(t + 8, with_ack ? ack : 0);
    t[12] = static_cast<uint8_t>((kTcpHeader / 4) << 4);
    t[13] = static_cast<uint8_t>(kTcpRst | (with_ack ? kTcpAck : 0));
    store16(t + 14, 0);
    store32(t + 16, 0);
    store16(t + 16, checksum_fold(checksum_add(checksum_pseudo(0, config_.ip, dst, kProtoTcp, kTcpHeader), t,
                                               kTcpHeader)));
    ++stats_.tcp_resets_sent;
    (void)ipv4_send(dst, kProtoTcp, kTcpHeader);
}

void Stack::tcp_send_ack(const TcpConnection& c) {
    tcp_send_segment(c, c.snd_nxt, kTcpAck, 0, 0);
}

void Stack::tcp_send_syn_ack(const TcpConnection& c) {
    tcp_send_segment(c, c.iss, kTcpSyn | kTcpAck, 0, 0);
}

// Sends what the window allows, then the FIN once all data is out.
void Stack::tcp_output(TcpConnection& c) {
    const bool can_send = c.state == TcpState::Established || c.state == TcpState::CloseWait ||
                          c.state == TcpState::FinWait1 || c.state == TcpState::Closing ||
                          c.state == TcpState::LastAck;
    if (!c.used || !can_send) return;
    for (;;) {
        const size_t sent = c.snd_nxt - c.snd_una;
        if (sent >= c.tx_len) break;
        const size_t unsent = c.tx_len - sent;
        const size_t usable = c.snd_wnd > sent ? c.snd_wnd - sent : 0;
        size_t n = unsent < usable ? unsent : usable;
        if (n > c.peer_mss) n = c.peer_mss;
        if (n == 0) break;
        tcp_send_segment(c, c.snd_nxt, static_cast<uint8_t>(kTcpAck | (n == unsent ? kTcpPsh : 0)), sent, n);
        c.snd_nxt += static_cast<uint32_t>(n);
        c.ack_pending = false; // it carried the ACK
    }
    if (c.fin_queued && c.snd_nxt - c.snd_una == c.tx_len) {
        tcp_send_segment(c, c.snd_nxt, kTcpFin | kTcpAck, 0, 0);
        c.snd_nxt += 1;
        c.ack_pending = false;
        if (!c.fin_sent) {
            c.fin_sent = true;
            c.state = c.state == TcpState::CloseWait ? TcpState::LastAck : TcpState::FinWait1;
        }
    }
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
    const bool waiting = c.snd_nxt != c.snd_una || c.tx_len != 0; // in flight, or a zero window
    if (waiting && c.timer_ns == 0) c.timer_ns = now_ns_ + c.rto_ns;
}

void Stack::tcp_retransmit_timeout(TcpConnection& c) {
    c.timer_ns = 0;
    if (c.state == TcpState::TimeWait || c.state == TcpState::FinWait2) {
        tcp_release(c);
        return;
    }
    if (c.state == TcpState::SynReceived) {
        if (++c.retries > kTcpSynRetries) {
            ++stats_.tcp_half_open_expired;
            tcp_release(c);
            return;
        }
        c.rto_ns *= 2;
        c.timer_ns = now_ns_ + c.rto_ns;
        tcp_send_syn_ack(c);
        return;
    }
    if (c.snd_nxt == c.snd_una && c.tx_len != 0 && c.snd_wnd == 0) { // zero-window probe
        tcp_send_segment(c, c.snd_una, kTcpAck, 0, 1);
        if (seq_gt(c.snd_una + 1, c.snd_max)) c.snd_max = c.snd_una + 1; // its ACK is valid
        if (c.rto_ns < kTcpRtoMaxNs) c.rto_ns *= 2;
        c.timer_ns = now_ns_ + c.rto_ns;
        return;
    }
    if (c.snd_nxt == c.snd_una) return;
    if (++c.retries > kTcpMaxRetries) {
        tcp_send_reset(c.remote_ip, c.remote_port, c.local_port, c.snd_nxt, 0, false);
        tcp_reset_by_peer(c);
        return;
    }
    if (c.rto_ns < kTcpRtoMaxNs) c.rto_ns *= 2;
    ++stats_.tcp_retransmits;
    c.snd_nxt = c.snd_una;
    tcp_output(c);
}

void Stack::tcp_poll_connection(TcpConnection& c) {
    if (c.timer_ns != 0 && c.timer_ns <= now_ns_) tcp_retransmit_timeout(c);
}

void Stack::tcp_release(TcpConnection& c) {
    c.used = false;
    c.state = TcpState::Closed;
    c.timer_ns = 0;
}

} // namespace sf::net
