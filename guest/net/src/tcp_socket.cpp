// superfluid guest IP stack: the TCP socket calls (listen, accept, read,
// write, close) on the connection table.
#include "sf/net/stack.h"

#include "sf/string.h"
#include "tcp.h"

namespace sf::net {

TcpConnection* Stack::tcp_conn(int conn) {
    if (conn < 0 || static_cast<size_t>(conn) >= kTcpConnections) return nullptr;
    TcpConnection& c = tcp_[conn];
    return c.used && c.accepted && !c.app_closed ? &c : nullptr;
}

const TcpConnection* Stack::tcp_conn(int conn) const {
    return const_cast<Stack*>(this)->tcp_conn(conn);
}

int Stack::tcp_listen(uint16_t port) {
    if (port == 0) return -1;
    int free_slot = -1;
    for (size_t i = 0; i < kTcpListeners; ++i) {
        if (listeners_[i].used && listeners_[i].port == port) return -1;
        if (!listeners_[i].used && free_slot < 0) free_slot = static_cast<int>(i);
    }
    if (free_slot >= 0) listeners_[free_slot] = TcpListener{port, true};
    return free_slot;
}

int Stack::tcp_accept(int listener) {
    if (listener < 0 || static_cast<size_t>(listener) >= kTcpListeners || !listeners_[listener].used)
        return -1;
    for (size_t i = 0; i < kTcpConnections; ++i) {
        TcpConnection& c = tcp_[i];
        if (c.used && !c.accepted && c.listener == listener && c.state != TcpState::SynReceived) {
            c.accepted = true;
            return static_cast<int>(i);
        }
    }
    return -1;
}

size_t Stack::tcp_read(int conn, uint8_t* buf, size_t len) {
    TcpConnection* c = tcp_conn(conn);
    if (c == nullptr || buf == nullptr) return 0;
    const size_t n = len < c->rx_len ? len : c->rx_len;
    const size_t first = n < kTcpBufferBytes - c->rx_head ? n : kTcpBufferBytes - c->rx_head;
    sf_memcpy(buf, c->rx + c->rx_head, first);
    sf_memcpy(buf + first, c->rx, n - first);
    const size_t window_before = kTcpBufferBytes - c->rx_len;
    c->rx_head = (c->rx_head + n) % kTcpBufferBytes;
    c->rx_len -= n;
    // Window update once a small (or zero) window has opened by half the buffer.
    const bool receiving =
        c->state == TcpState::Established || c->state == TcpState::FinWait1 || c->state == TcpState::FinWait2;
    if (receiving && window_before < kTcpBufferBytes / 2 &&
        kTcpBufferBytes - c->rx_len >= kTcpBufferBytes / 2)
        tcp_send_ack(*c);
    return n;
}

size_t Stack::tcp_write(int conn, const uint8_t* data, size_t len) {
    TcpConnection* c = tcp_conn(conn);
    if (c == nullptr || data == nullptr || c->fin_queued) return 0;
    if (c->state != TcpState::Established && c->state != TcpState::CloseWait) return 0;
    const size_t n = len < kTcpBufferBytes - c->tx_len ? len : kTcpBufferBytes - c->tx_len;
    const size_t tail = (c->tx_head + c->tx_len) % kTcpBufferBytes;
    const size_t first = n < kTcpBufferBytes - tail ? n : kTcpBufferBytes - tail;
    sf_memcpy(c->tx + tail, data, first);
    sf_memcpy(c->tx, data + first, n - first);
    c->tx_len += n;
    tcp_output(*c);
    return n;
}

bool Stack::tcp_eof(int conn) const {
    const TcpConnection* c = tcp_conn(conn);
    return c == nullptr || (c->rx_len == 0 && (c->peer_fin || c->reset || c->state == TcpState::Closed));
}

TcpState Stack::tcp_state(int conn) const {
    const TcpConnection* c = tcp_conn(conn);
    return c == nullptr ? TcpState::Closed : c->state;
}

void Stack::tcp_close(int conn) {
    TcpConnection* c = tcp_conn(conn);
    if (c == nullptr) return;
    c->app_closed = true;
    c->rx_len = 0; // unread data is dropped
    if (c->state == TcpState::Closed) {
        tcp_release(*c);
        return;
    }
    if (c->state == TcpState::Established || c->state == TcpState::CloseWait) {
        c->fin_queued = true;
        tcp_output(*c);
    }
}

} // namespace sf::net
