// superfluid guest IP stack: Ethernet II, ARP, IPv4, ICMP echo, UDP, TCP.
//
// A small stack for guests, freestanding (no host libc, no heap, no
// exceptions) and host-compilable for tests and fuzzing. All state lives in
// one Stack object with fixed tables sized by the constants below; there is
// no global state, so several stacks may coexist (tests do this). A Stack is
// about 84 KiB: give it static storage rather than a small stack. Its
// constructor writes only the small tables (about 3 KiB at the front of the
// object); the TCP buffers, ARP queues and frame buffer behind them are left
// unwritten until used, so a guest touches their pages only when it needs
// them (each first touch of a guest page costs ~8 us and host memory).
//
// Contract:
// - Single-threaded. The owner drives the stack: input() for every received
//   Ethernet frame, poll() when next_deadline_ns() has passed (or any time).
//   `now_ns` is a monotonic clock and must never go backwards between calls.
// - Frames leave through Config::send_frame, called synchronously from
//   input(), poll() and the socket calls; the buffer is only valid during the
//   call (the callee copies it). send_frame must not call back into the stack.
// - UDP receive callbacks run inside input(); they may call udp_sendto() but
//   must not call input() or poll().
// - Handles (UDP sockets, TCP listeners, TCP connections) are small integers
//   >= 0; functions given an invalid handle do nothing and return an error.
// - Socket calls take no time argument: they use the time of the latest
//   input() or poll() (call poll(now) once after construction).
// - Addresses and ports in this API are in host byte order.
#ifndef SF_NET_STACK_H
#define SF_NET_STACK_H

#include <stddef.h>
#include <stdint.h>

namespace sf::net {

constexpr size_t kMacLen = 6;
constexpr size_t kMaxMtu = 1500;
constexpr size_t kEthHeader = 14;
constexpr size_t kMaxFrame = kEthHeader + kMaxMtu;
constexpr size_t kArpEntries = 8; // ARP cache; each holds one queued packet
constexpr size_t kUdpSockets = 8;
constexpr size_t kTcpListeners = 4;
constexpr size_t kTcpConnections = 16;   // established + half-open + closing
constexpr size_t kTcpHalfOpenMax = 4;    // SYN_RCVD entries at most (SYN flood bound)
constexpr size_t kTcpBufferBytes = 2048; // per connection, each direction

using SendFrameFn = void (*)(void* ctx, const uint8_t* frame, size_t len);
// A datagram for a bound UDP socket: valid only during the call.
using UdpReceiveFn = void (*)(void* ctx, int socket, uint32_t src_ip, uint16_t src_port, const uint8_t* data,
                              size_t len);

struct Config {
    uint8_t mac[kMacLen] = {};
    uint32_t ip = 0;
    uint32_t netmask = 0;
    uint32_t gateway = 0; // 0: no gateway, off-link destinations are dropped
    uint16_t mtu = 1500;  // clamped to [576, kMaxMtu]
    // Defer the ACK that received data or a FIN owes: it rides on the next
    // segment the connection sends (an app's reply), or goes alone at
    // flush_acks(). The owner must then call flush_acks() before it waits for
    // input. Halves the frames of a request/response exchange.
    bool defer_acks = false;
    SendFrameFn send_frame = nullptr;
    void* send_ctx = nullptr;
};

// Counters; every dropped frame or segment is counted under one reason.
struct Stats {
    uint64_t rx_frames, tx_frames;
    uint64_t drop_truncated;      // shorter than a header or a length field says
    uint64_t drop_oversized;      // longer than the MTU allows
    uint64_t drop_ethertype;      // neither IPv4 nor ARP
    uint64_t drop_not_for_us;     // MAC or IP destination is someone else
    uint64_t drop_bad_checksum;   // IPv4, ICMP, UDP or TCP
    uint64_t drop_bad_header;     // version, lengths, ARP hardware/protocol types
    uint64_t drop_fragment;       // IPv4 MF set or fragment offset != 0
    uint64_t ip_options;          // accepted, options skipped
    uint64_t drop_protocol;       // IP protocol other than ICMP, UDP, TCP
    uint64_t drop_arp_unresolved; // queued packet given up or replaced
    uint64_t drop_no_route;       // off-link and no gateway
    uint64_t drop_udp_no_socket;
    uint64_t drop_tcp_no_listener;   // answered with RST
    uint64_t drop_tcp_syn_flood;     // SYN dropped: half-open table full
    uint64_t drop_tcp_out_of_window; // answered with ACK
    uint64_t drop_tcp_out_of_order;  // answered with ACK
    uint64_t drop_tcp_bad_segment;   // e.g. no ACK flag, bad ACK number
    uint64_t arp_replies_sent, icmp_echo_replies;
    uint64_t tcp_retransmits, tcp_resets_sent, tcp_half_open_expired;
};

enum class TcpState : uint8_t {
    Closed,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    Closing,
    TimeWait,
    CloseWait,
    LastAck
};

struct ArpEntry {
    uint32_t ip;
    uint8_t mac[kMacLen];
    bool used, resolved;
    uint8_t retries;
    uint64_t deadline_ns; // next request (unresolved) or expiry (resolved)
    uint16_t pending_len; // queued IPv4 packet waiting for the MAC, 0 if none
    uint8_t* pending;     // kMaxMtu bytes in the Stack (set once by its constructor)
};

struct UdpSocket {
    uint16_t port;
    bool used;
    UdpReceiveFn on_receive;
    void* ctx;
};

struct TcpListener {
    uint16_t port;
    bool used;
};

struct TcpConnection {
    TcpState state;
    bool used, accepted, app_closed, peer_fin, fin_queued, fin_sent, reset;
    bool ack_pending; // Config::defer_acks: an ACK is owed
    int8_t listener;
    uint32_t remote_ip;
    uint16_t local_port, remote_port;
    uint32_t iss, snd_una, snd_nxt, snd_max, rcv_nxt; // snd_max: highest sent
    uint32_t snd_wnd;                                 // the peer's advertised window
    uint16_t peer_mss;
    uint8_t retries;
    uint64_t rto_ns, timer_ns; // timer_ns == 0: no timer
    size_t tx_len;             // bytes from snd_una on (in flight + unsent)
    size_t tx_head;            // ring index of snd_una
    size_t rx_len, rx_head;
    // Last: kTcpBufferBytes each in the Stack, set once by its constructor
    // (resetting a connection clears the fields before `tx` only).
    uint8_t* tx;
    uint8_t* rx;
};

struct TcpSegment; // a parsed TCP segment (internal, tcp.h)

class Stack {
  public:
    explicit Stack(const Config& config);
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // One received Ethernet frame (without FCS). Never fails: bad frames are counted.
    void input(const uint8_t* frame, size_t len, uint64_t now_ns);
    // Timers: ARP retries, TCP retransmission and probes, half-open, FIN_WAIT_2 and
    // TIME_WAIT expiry. (ARP entries expire lazily, when used.)
    void poll(uint64_t now_ns);
    // The earliest time poll() has work to do; UINT64_MAX if none.
    uint64_t next_deadline_ns() const;
    // Sends the ACKs deferred by Config::defer_acks (nothing otherwise).
    void flush_acks();
    const Stats& stats() const { return stats_; }

    // UDP. bind returns a socket handle or -1 (port 0, in use, or table full).
    int udp_bind(uint16_t port, UdpReceiveFn on_receive, void* ctx);
    void udp_close(int socket);
    // Sends one datagram (at most mtu - 28 bytes). False if too big or no route;
    // true also when the packet waits for ARP resolution (it may still be lost).
    bool udp_sendto(int socket, uint32_t dst_ip, uint16_t dst_port, const uint8_t* data, size_t len);

    // TCP, passive open only. listen returns a listener handle or -1.
    int tcp_listen(uint16_t port);
    // A connection that completed its handshake on this listener, or -1 if none yet.
    // The caller owns the handle until tcp_close().
    int tcp_accept(int listener);
    // Copies up to `len` received bytes; 0 when nothing is buffered (see tcp_eof).
    size_t tcp_read(int conn, uint8_t* buf, size_t len);
    // Queues up to `len` bytes for sending; returns how many were taken (0 when the
    // buffer is full or the connection can no longer send).
    size_t tcp_write(int conn, const uint8_t* data, size_t len);
    // True once the peer has closed (FIN or RST) and every received byte was read.
    bool tcp_eof(int conn) const;
    TcpState tcp_state(int conn) const;
    // Sends FIN after the queued data and gives the handle back: the stack finishes
    // the close on its own. The handle must not be used afterwards.
    void tcp_close(int conn);

  private:
    // ethernet.cpp
    void send_ethernet(const uint8_t dst_mac[kMacLen], uint16_t ethertype, size_t payload_len);
    // arp.cpp
    void arp_input(const uint8_t* p, size_t len);
    void arp_send(uint16_t op, const uint8_t dst_mac[kMacLen], uint32_t target_ip);
    void arp_poll();
    ArpEntry* arp_find(uint32_t ip);
    ArpEntry* arp_insert(uint32_t ip);
    void arp_resolve_and_send(uint32_t next_hop, size_t ip_len);
    // ipv4.cpp
    void ipv4_input(const uint8_t* p, size_t len);
    // Sends the payload already written at ip_payload(); false if no route.
    bool ipv4_send(uint32_t dst, uint8_t protocol, size_t payload_len);
    uint8_t* ip_payload() { return tx_buf_ + kEthHeader + 20; }
    size_t max_ip_payload() const { return static_cast<size_t>(config_.mtu) - 20; }
    // icmp.cpp
    void icmp_input(uint32_t src, const uint8_t* p, size_t len);
    // udp.cpp
    void udp_input(uint32_t src, uint32_t dst, const uint8_t* p, size_t len);
    // tcp_input.cpp
    void tcp_input(uint32_t src, uint32_t dst, const uint8_t* p, size_t len);
    void tcp_passive_open(int listener, uint32_t src, const TcpSegment& seg);
    void tcp_synchronized(TcpConnection& c, const TcpSegment& seg);
    bool tcp_syn_received(TcpConnection& c, const TcpSegment& seg);
    bool tcp_acceptable(TcpConnection& c, TcpSegment& seg);
    bool tcp_process_ack(TcpConnection& c, const TcpSegment& seg);
    bool tcp_process_data(TcpConnection& c, const TcpSegment& seg);
    void tcp_process_fin(TcpConnection& c);
    // tcp_output.cpp
    void tcp_send_segment(const TcpConnection& c, uint32_t seq, uint8_t flags, size_t data_off,
                          size_t data_len);
    void tcp_send_reset(uint32_t dst, uint16_t dst_port, uint16_t src_port, uint32_t seq, uint32_t ack,
                        bool with_ack);
    void tcp_send_ack(const TcpConnection& c);
    void tcp_send_syn_ack(const TcpConnection& c);
    void tcp_output(TcpConnection& c);
    void tcp_poll_connection(TcpConnection& c);
    void tcp_retransmit_timeout(TcpConnection& c);
    void tcp_release(TcpConnection& c);
    void tcp_reset_by_peer(TcpConnection& c);
    uint16_t tcp_rcv_window(const TcpConnection& c) const;
    uint32_t tcp_new_iss();
    TcpConnection* tcp_conn(int conn);
    const TcpConnection* tcp_conn(int conn) const;

    Config config_;
    Stats stats_{};
    uint64_t now_ns_ = 0;
    uint32_t iss_seed_;
    uint16_t ip_id_ = 0;
    ArpEntry arp_[kArpEntries]{};
    UdpSocket udp_[kUdpSockets]{};
    TcpListener listeners_[kTcpListeners]{};
    TcpConnection tcp_[kTcpConnections]{};
    // Storage behind the tables: not initialised (always written before read).
    uint8_t tx_buf_[kMaxFrame]; // every outgoing frame is built here
    uint8_t arp_pending_[kArpEntries][kMaxMtu];
    uint8_t tcp_tx_[kTcpConnections][kTcpBufferBytes];
    uint8_t tcp_rx_[kTcpConnections][kTcpBufferBytes];
};

} // namespace sf::net

#endif // SF_NET_STACK_H
