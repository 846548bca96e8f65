// superfluid guest networking: the socket API the portable apps are written
// against (UdpEcho, HttpServer, KvCounter, StreamConn), and the one place
// that chooses what serves it.
//
// - Guests and the host tests (the default): our own Stack (sf/net/stack.h);
//   `Sockets` is just another name for it, so the guests' code is unchanged.
// - The Linux builds of the samples (SF_NET_KERNEL_SOCKETS=1, set by the
//   sfnet-linux library, guest/net/linux/): KernelSockets, the same calls over
//   the Linux kernel's own sockets (sf/net/kernel_sockets.h), so that a
//   container's programs share the kernel's stack and its address.
//
// SocketApi names the calls the apps make, with the contract of stack.h:
// handles are small integers >= 0, invalid handles do nothing and return an
// error, UDP receive callbacks run inside the owner's loop step and may send,
// single-threaded, addresses and ports in host byte order.
#ifndef SF_NET_SOCKETS_H
#define SF_NET_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

#include <concepts> // std::same_as (freestanding)

#include "sf/net/stack.h" // the API's types: Stats, TcpState, UdpReceiveFn, kTcpConnections

#if defined(SF_NET_KERNEL_SOCKETS) && SF_NET_KERNEL_SOCKETS
#include "sf/net/kernel_sockets.h"
#endif

namespace sf::net {

template <typename S>
concept SocketApi = requires(S s, const S cs, int h, uint8_t* buf, size_t n, UdpReceiveFn fn, void* ctx) {
    { s.udp_bind(uint16_t{}, fn, ctx) } -> std::same_as<int>;
    { s.udp_sendto(h, uint32_t{}, uint16_t{}, buf, n) } -> std::same_as<bool>;
    s.udp_close(h);
    { s.tcp_listen(uint16_t{}) } -> std::same_as<int>;
    { s.tcp_accept(h) } -> std::same_as<int>;
    { s.tcp_read(h, buf, n) } -> std::same_as<size_t>;
    { s.tcp_write(h, buf, n) } -> std::same_as<size_t>;
    { cs.tcp_eof(h) } -> std::same_as<bool>;
    { cs.tcp_state(h) } -> std::same_as<TcpState>;
    s.tcp_close(h);
    { cs.stats() } -> std::same_as<const Stats&>;
};

#if defined(SF_NET_KERNEL_SOCKETS) && SF_NET_KERNEL_SOCKETS
using Sockets = KernelSockets;
#else
using Sockets = Stack;
#endif
// Both sides are checked wherever they are visible, so neither drifts from the other.
static_assert(SocketApi<Stack>, "the apps' socket calls");
static_assert(SocketApi<Sockets>, "the apps' socket calls");

} // namespace sf::net

#endif // SF_NET_SOCKETS_H
