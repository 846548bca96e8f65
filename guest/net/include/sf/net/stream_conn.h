// superfluid guest networking: a server-side TCP connection with an input
// and an output buffer, shared by the line and HTTP apps (portable).
//
// Contract: the owner calls init() once, then open() per accepted
// connection; it calls pull() to move received bytes into `in`,
// consumes what it parsed with consume(), appends replies with append()
// (false, nothing written, if they do not fit) and calls push() to hand
// `out` to the stack as its send buffer frees up. finished() tells when the
// connection may be closed: the peer is gone, or close_after was set and
// everything queued was taken by the stack.
#ifndef SF_NET_STREAM_CONN_H
#define SF_NET_STREAM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/sockets.h"
#include "sf/string.h"

namespace sf::net {

// The buffers are the owner's, kept apart from this small struct so that an
// array of StreamConn fits in a page or two while idle buffers stay untouched.
struct StreamConn {
    int handle; // -1: slot free
    bool close_after;
    size_t in_len, out_len;
    size_t in_cap, out_cap;
    uint8_t* in;  // only the first in_len bytes are meaningful
    uint8_t* out; // only the first out_len bytes are meaningful

    void init(uint8_t* in_buf, size_t in_size, uint8_t* out_buf, size_t out_size) {
        handle = -1;
        in = in_buf;
        in_cap = in_size;
        out = out_buf;
        out_cap = out_size;
    }
    void open(int h) {
        handle = h;
        close_after = false;
        in_len = out_len = 0;
    }
    void pull(Sockets& s) { in_len += s.tcp_read(handle, in + in_len, in_cap - in_len); }
    void consume(size_t n) {
        sf_memmove(in, in + n, in_len - n);
        in_len -= n;
    }
    size_t out_free() const { return out_cap - out_len; }
    bool append(const void* data, size_t n) {
        if (n > out_free()) return false;
        sf_memcpy(out + out_len, data, n);
        out_len += n;
        return true;
    }
    void push(Sockets& s) {
        if (out_len == 0) return;
        const size_t n = s.tcp_write(handle, out, out_len);
        sf_memmove(out, out + n, out_len - n);
        out_len -= n;
    }
    // True when the connection may be closed: it can no longer send, or all
    // output was handed over and close_after is set or the peer has closed
    // with `in` holding no complete request (`in_complete`: the owner's parse).
    bool finished(const Sockets& s, bool in_complete) const {
        const TcpState st = s.tcp_state(handle);
        if (st != TcpState::Established && st != TcpState::CloseWait) return true;
        return out_len == 0 && (close_after || (s.tcp_eof(handle) && !in_complete));
    }
    void close(Sockets& s) {
        s.tcp_close(handle);
        handle = -1;
    }
};

// Accepts every completed connection on `listener` into a free slot of
// `conns` (n slots); with no free slot the connection is closed at once.
// Returns how many were accepted.
template <typename Conn> size_t accept_all(Sockets& s, int listener, Conn* conns, size_t n) {
    size_t accepted = 0;
    for (int h; (h = s.tcp_accept(listener)) >= 0;) {
        size_t i = 0;
        while (i < n && conns[i].handle >= 0)
            ++i;
        if (i == n) {
            s.tcp_close(h);
            continue;
        }
        conns[i].open(h);
        ++accepted;
    }
    return accepted;
}

} // namespace sf::net

#endif // SF_NET_STREAM_CONN_H
