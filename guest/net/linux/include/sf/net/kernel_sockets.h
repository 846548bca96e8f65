// superfluid Linux builds: the apps' socket API (sf/net/sockets.h) over the
// Linux kernel's own sockets, driven by one epoll set.
//
// The samples built as static Linux programs (a container's rootfs) serve
// through the kernel: the interface's address is Linux's, and other programs
// beside them (busybox wget, ping, nc) use the same stack. Our Stack on a raw
// socket would answer for the same address and fight the kernel's.
//
// Contract: that of stack.h's socket calls (handles >= 0, an invalid handle
// does nothing and returns an error, single-threaded, host byte order), and:
// - Handles are the sockets' descriptors (below kMaxDescriptors: a socket
//   beyond is closed and refused). Sockets are bound to every address of the
//   network namespace (INADDR_ANY); listeners set SO_REUSEADDR, connections
//   TCP_NODELAY (the Stack has no Nagle either).
// - wait() is the only call that blocks (one epoll_wait). Inside it, every
//   datagram waiting on a bound UDP socket goes to that socket's callback
//   (which may send) and closing connections are drained. Connections are
//   edge-triggered: after each wait() the owner must serve every connection
//   it holds until a call returns 0 (the apps' service() does).
// - tcp_read sees the peer's FIN (tcp_eof, TcpState::CloseWait) when a read
//   finds the stream at its end; a reset or a failed send makes the state
//   Closed. Linux delivers the FIN after every byte, as the Stack does.
// - tcp_close sends FIN after the queued data (shutdown(SHUT_WR)); the
//   descriptor is kept, its input discarded, until the peer closes or resets,
//   or kCloseTimeoutNs passes (the Stack's FIN_WAIT_2 timeout). Closing it at
//   once with unread input would make Linux answer with a RST.
// - stats(): rx_frames and tx_frames count datagrams and the socket reads and
//   writes that moved bytes (the kernel's stack keeps the frame counters);
//   the other counters stay 0 (see /proc/net/snmp).
#ifndef SF_NET_KERNEL_SOCKETS_H
#define SF_NET_KERNEL_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/stack.h" // Stats, TcpState, UdpReceiveFn

namespace sf::net {

class KernelSockets {
  public:
    static constexpr int kMaxDescriptors = 1024;
    static constexpr uint64_t kCloseTimeoutNs = 10'000'000'000;
    static constexpr size_t kDatagramMax = 65536;

    // Takes ownership of `epoll_fd` (an epoll set, e.g. from epoll_create1).
    explicit KernelSockets(int epoll_fd);
    ~KernelSockets(); // closes every socket and the epoll set
    KernelSockets(const KernelSockets&) = delete;
    KernelSockets& operator=(const KernelSockets&) = delete;

    // Waits for an event until `deadline_ns` (CLOCK_MONOTONIC; UINT64_MAX: no
    // deadline) or the next closing connection's timeout, then handles what
    // came: datagrams to their callbacks, closing connections drained or let go.
    void wait(uint64_t deadline_ns);

    int udp_bind(uint16_t port, UdpReceiveFn on_receive, void* ctx);
    void udp_close(int socket);
    bool udp_sendto(int socket, uint32_t dst_ip, uint16_t dst_port, const uint8_t* data, size_t len);

    int tcp_listen(uint16_t port);
    int tcp_accept(int listener);
    size_t tcp_read(int conn, uint8_t* buf, size_t len);
    size_t tcp_write(int conn, const uint8_t* data, size_t len);
    bool tcp_eof(int conn) const;
    TcpState tcp_state(int conn) const;
    void tcp_close(int conn);

    const Stats& stats() const { return stats_; }

  private:
    enum class Kind : uint8_t { Free, Udp, Listener, Connection, Closing };
    struct Slot {
        Kind kind;
        bool eof, reset;
        UdpReceiveFn on_receive;
        void* ctx;
        uint64_t close_deadline_ns;
    };

    Slot* slot(int handle, Kind kind);
    const Slot* slot(int handle, Kind kind) const;
    // Adds `fd` to the epoll set as `kind`; closes it and returns false if it cannot.
    bool track(int fd, Kind kind, uint32_t events);
    void release(int fd); // closes it and frees its slot
    void receive_datagrams(int fd);
    void drain(int fd);                   // a closing connection's input: discarded
    void expire_closing(uint64_t now_ns); // closing connections past their timeout
    int timeout_ms(uint64_t deadline_ns) const;

    int epoll_;
    size_t closing_ = 0; // slots in Kind::Closing
    Stats stats_{};
    Slot slots_[kMaxDescriptors]{};
    uint8_t buffer_[kDatagramMax]; // received datagrams, drained input
};

} // namespace sf::net

#endif // SF_NET_KERNEL_SOCKETS_H
