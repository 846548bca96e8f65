// superfluid guest IP stack: TCP receive path (RFC 793, RFC 5961 checks).
//
// Passive open only. Segments are checked (length, checksum) and parsed into a
// TcpSegment, then matched to a connection by 4-tuple; with no connection a
// SYN to a listener opens a half-open entry (bounded by kTcpHalfOpenMax) and
// anything else is answered with RST. Data is accepted in order only: an
// out-of-order or out-of-window segment is dropped and answered with an ACK.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "tcp.h"
#include "wire.h"

namespace sf::net {

namespace {

// Parses the options we read (MSS); malformed options are ignored.
uint16_t parse_mss(const uint8_t* opt, size_t len) {
    size_t i = 0;
    while (i < len) {
        const uint8_t kind = opt[i];
        if (kind == 0) break;
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len) break;
        if (kind == 2 && opt[i + 1] == 4) return load16(opt + i + 2);
        i += opt[i + 1];
    }
    return 0;
}

} // namespace

void Stack::tcp_input(uint32_t src, uint32_t dst, const uint8_t* p, size_t len) {
    if (len < kTcpHeader) {
        ++stats_.drop_truncated;
        return;
    }
    const size_t off = static_cast<size_t>(p[12] >> 4) * 4;
    if (off < kTcpHeader) {
        ++stats_.drop_bad_header;
        return;
    }
    if (off > len) {
        ++stats_.drop_truncated;
        return;
    }
    if (checksum_fold(checksum_add(checksum_pseudo(0, src, dst, kProtoTcp, len), p, len)) != 0) {
        ++stats_.drop_bad_checksum;
        return;
    }
    TcpSegment seg{src,
                   load16(p),
                   load16(p + 2),
                   load32(p + 4),
                   load32(p + 8),
                   static_cast<uint8_t>(p[13] & 0x3f),
                   load16(p + 14),
                   parse_mss(p + kTcpHeader, off - kTcpHeader),
                   p + off,
                   len - off};
    for (TcpConnection& c : tcp_) {
        if (c.used && c.state != TcpState::Closed && c.remote_ip == src && c.remote_port == seg.src_port &&
            c.local_port == seg.dst_port) {
            tcp_synchronized(c, seg);
            return;
        }
    }
    if (seg.flags & kTcpRst) return; // never answer a reset
    int listener = -1;
    for (size_t i = 0; i < kTcpListeners; ++i)
        if (listeners_[i].used && listeners_[i].port == seg.dst_port) listener = static_cast<int>(i);
    if (listener >= 0 && (seg.flags & (kTcpSyn | kTcpAck | kTcpFin)) == kTcpSyn) {
        tcp_passive_open(listener, src, seg);
        return;
    }
    if (listener < 0)
        ++stats_.drop_tcp_no_listener;
    else
        ++stats_.drop_tcp_bad_segment;
    if (seg.flags & kTcpAck)
        tcp_send_reset(src, seg.src_port, seg.dst_port, seg.ack, 0, false);
    else
        tcp_send_reset(src, seg.src_port, seg.dst_port, 0, seg.seq + seg.seq_len(), true);
}

void Stack::tcp_passive_open(int listener, uint32_t src, const TcpSegment& seg) {
    size_t half_open = 0;
    TcpConnection* slot = nullptr;
    for (TcpConnection& c : tcp_) {
        if (c.used && c.state == TcpState::SynReceived) ++half_open;
        if (!c.used && slot == nullptr) slot = &c;
    }
    if (slot == nullptr || half_open >= kTcpHalfOpenMax) {
        ++stats_.drop_tcp_syn_flood;
        return;
    }
    TcpConnection& c = *slot;
    sf_memset(&c, 0, __builtin_offsetof(TcpConnection, tx));
    c.used = true;
    c.state = TcpState::SynReceived;
    c.listener = static_cast<int8_t>(listener);
    c.remote_ip = src;
    c.remote_port = seg.src_port;
    c.local_port = seg.dst_port;
    c.iss = tcp_new_iss();
    c.snd_una = c.iss;
    c.snd_nxt = c.snd_max = c.iss + 1;
    c.rcv_nxt = seg.seq + 1;
    c.snd_wnd = seg.wnd;
    const size_t our_mss = max_ip_payload() - kTcpHeader;
    c.peer_mss = seg.mss == 0 ? kTcpDefaultMss : seg.mss;
    if (c.peer_mss > our_mss) c.peer_mss = static_cast<uint16_t>(our_mss);
    if (c.peer_mss < 64) c.peer_mss = 64;
    c.rto_ns = kTcpRtoNs;
    c.timer_ns = now_ns_ + c.rto_ns;
    tcp_send_syn_ack(c);
}

// SYN_RCVD: returns true when the segment completed the handshake and should be
// processed further (it may carry data).
bool Stack::tcp_syn_received(TcpConnection& c, const TcpSegment& seg) {
    if (seg.flags & kTcpRst) {
        if (seg.seq == c.rcv_nxt) tcp_release(c);
        return false;
    }
    if (seg.flags & kTcpSyn) {
        if (seg.seq + 1 == c.rcv_nxt && !(seg.flags & kTcpAck))
            tcp_send_syn_ack(c); // retransmitted SYN
        else
            ++stats_.drop_tcp_bad_segment;
        return false;
    }
    if (!(seg.flags & kTcpAck)) {
        ++stats_.drop_tcp_bad_segment;
        return false;
    }
    if (seg.ack != c.iss + 1) {
        ++stats_.drop_tcp_bad_segment;
        tcp_send_reset(c.remote_ip, c.remote_port, c.local_port, seg.ack, 0, false);
        return false;
    }
    c.state = TcpState::Established;
    c.snd_una = c.iss + 1;
    c.snd_wnd = seg.wnd;
    c.retries = 0;
    c.rto_ns = kTcpRtoNs;
    c.timer_ns = 0;
    return true;
}

void Stack::tcp_synchronized(TcpConnection& c, const TcpSegment& in) {
    if (c.state == TcpState::SynReceived && !tcp_syn_received(c, in)) return;
    TcpSegment seg = in;
    if (!tcp_acceptable(c, seg)) return;
    if (seg.flags & kTcpRst) {
        tcp_reset_by_peer(c);
        return;
    }
    if ((seg.flags & kTcpSyn) || !(seg.flags & kTcpAck)) {
        ++stats_.drop_tcp_bad_segment;
        if (seg.flags & kTcpSyn) tcp_send_ack(c); // challenge ACK (RFC 5961)
        return;
    }
    if (!tcp_process_ack(c, seg) || !c.used) return;
    bool ack_now = false;
    if (seg.len != 0) {
        ack_now = true;
        if (!tcp_process_data(c, seg)) seg.flags = static_cast<uint8_t>(seg.flags & ~kTcpFin);
    }
    if (seg.flags & kTcpFin) {
        tcp_process_fin(c);
        ack_now = true;
    }
    if (!c.used) return;
    if (ack_now && config_.defer_acks)
        c.ack_pending = true;
    else if (ack_now)
        tcp_send_ack(c);
    tcp_output(c);
}

// Trims already-received bytes off the front; false (after answering with an
// ACK where RFC 793 asks for one) if nothing of the segment is usable now.
bool Stack::tcp_acceptable(TcpConnection& c, TcpSegment& seg) {
    const int32_t rel = seq_diff(seg.seq, c.rcv_nxt);
    const uint32_t wnd = tcp_rcv_window(c);
    if (seg.flags & kTcpRst) {
        if (rel == 0) return true;
        if (rel > 0 && static_cast<uint32_t>(rel) < wnd) tcp_send_ack(c); // challenge ACK
        ++stats_.drop_tcp_out_of_window;
        return false;
    }
    if (rel < 0) {
        const uint32_t old = static_cast<uint32_t>(-static_cast<int64_t>(rel));
        if (old >= seg.len + ((seg.flags & kTcpFin) ? 1u : 0u) && seg.seq_len() != 0) {
            ++stats_.drop_tcp_out_of_window; // a duplicate: our ACK may have been lost
            tcp_send_ack(c);
            return false;
        }
        if (seg.len == 0) { // a bare segment from the past, e.g. a keepalive probe
            ++stats_.drop_tcp_out_of_window;
            tcp_send_ack(c);
            return false;
        }
        const size_t cut = old < seg.len ? old : seg.len;
        seg.data += cut;
        seg.len -= cut;
        seg.seq = c.rcv_nxt;
        seg.flags = static_cast<uint8_t>(seg.flags & ~kTcpSyn);
        return true;
    }
    if (rel == 0) return true;
    if (static_cast<uint32_t>(rel) < wnd || (seg.len == 0 && !(seg.flags & kTcpFin))) {
        ++stats_.drop_tcp_out_of_order;
        if (seg.flags & kTcpAck) (void)tcp_process_ack(c, seg); // its ACK is still news
        if (c.used) tcp_send_ack(c);
        return false;
    }
    ++stats_.drop_tcp_out_of_window;
    tcp_send_ack(c);
    return false;
}

// False if the segment must be dropped (it acknowledges data never sent).
bool Stack::tcp_process_ack(TcpConnection& c, const TcpSegment& seg) {
    if (seq_gt(seg.ack, c.snd_max)) {
        ++stats_.drop_tcp_bad_segment;
        tcp_send_ack(c);
        return false;
    }
    if (seq_lt(seg.ack, c.snd_una)) return true; // an old duplicate ACK
    c.snd_wnd = seg.wnd;
    const uint32_t acked = seg.ack - c.snd_una;
    if (acked == 0) return true;
    const size_t data_acked = acked < c.tx_len ? acked : c.tx_len;
    const bool fin_acked = c.fin_sent && acked > c.tx_len;
    c.tx_head = (c.tx_head + data_acked) % kTcpBufferBytes;
    c.tx_len -= data_acked;
    c.snd_una = seg.ack;
    if (seq_lt(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
    c.retries = 0;
    c.rto_ns = kTcpRtoNs;
    c.timer_ns = c.snd_nxt != c.snd_una ? now_ns_ + c.rto_ns : 0;
    if (!fin_acked) return true;
    switch (c.state) {
    case TcpState::FinWait1:
        c.state = TcpState::FinWait2;
        c.timer_ns = now_ns_ + kTcpFinWait2Ns;
        break;
    case TcpState::Closing:
        c.state = TcpState::TimeWait;
        c.timer_ns = now_ns_ + kTcpTimeWaitNs;
        break;
    case TcpState::LastAck: tcp_release(c); break;
    default: break;
    }
    return true;
}

// Stores in-order data up to the free buffer space; false if some was cut off
// (then a FIN in the same segment is not yet acceptable).
bool Stack::tcp_process_data(TcpConnection& c, const TcpSegment& seg) {
    if (c.state != TcpState::Established && c.state != TcpState::FinWait1 && c.state != TcpState::FinWait2)
        return false;   // the peer has sent its FIN: no data can follow
    if (c.app_closed) { // nobody will read it: consume and acknowledge
        c.rcv_nxt += static_cast<uint32_t>(seg.len);
        return true;
    }
    const size_t space = kTcpBufferBytes - c.rx_len;
    const size_t n = seg.len < space ? seg.len : space;
    size_t tail = (c.rx_head + c.rx_len) % kTcpBufferBytes;
    const size_t first = n < kTcpBufferBytes - tail ? n : kTcpBufferBytes - tail;
    sf_memcpy(c.rx + tail, seg.data, first);
    sf_memcpy(c.rx, seg.data + first, n - first);
    c.rx_len += n;
    c.rcv_nxt += static_cast<uint32_t>(n);
    return n == seg.len;
}

void Stack::tcp_process_fin(TcpConnection& c) {
    c.rcv_nxt += 1;
    c.peer_fin = true;
    switch (c.state) {
    case TcpState::Established: c.state = TcpState::CloseWait; break;
    case TcpState::FinWait1: c.state = TcpState::Closing; break;
    case TcpState::FinWait2:
        c.state = TcpState::TimeWait;
        c.timer_ns = now_ns_ + kTcpTimeWaitNs;
        break;
    default: break;
    }
}

void Stack::tcp_reset_by_peer(TcpConnection& c) {
    c.reset = true;
    c.state = TcpState::Closed;
    c.timer_ns = 0;
    if (c.app_closed || !c.accepted) tcp_release(c);
}

} // namespace sf::net
