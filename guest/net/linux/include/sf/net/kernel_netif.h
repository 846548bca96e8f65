// superfluid Linux builds: NetIf for the samples built as Linux programs
// (sf/net/netif.h chooses this one under SF_NET_KERNEL_SOCKETS): the guest
// NetIf's interface, with the kernel's sockets (KernelSockets) instead of NIC 0
// and our Stack.
//
// Contract:
// - One NetIf per process (boot() returns the same object every time),
//   single-threaded.
// - boot() makes stdout line-buffered (a guest's console lines leave at once),
//   makes SIGTERM and SIGINT end the program with status 128 + N (as PID 1 of
//   a container, a signal without a handler would be ignored), and takes as
//   ip() the first IPv4 address of an interface that is up and not loopback,
//   127.0.0.1 if there is none. The sockets listen on every address.
// - run_once() is the only place that waits (one KernelSockets::wait).
// - No store: take_ready() is always 0, and the store calls of sf/hypercall.h
//   answer -SF_ENODEV (no_store.cpp), as in a guest run without one.
#ifndef SF_NET_KERNEL_NETIF_H
#define SF_NET_KERNEL_NETIF_H

#include <stdint.h>

#include "sf/net/ip_text.h" // ip_to_text, for the samples
#include "sf/net/kernel_sockets.h"

namespace sf::net {

class NetIf {
  public:
    // With no epoll set to be had, prints one line naming `who` and exits with status 2.
    static NetIf& boot(const char* who);

    KernelSockets& stack() { return sockets_; }
    uint32_t ip() const { return ip_; } // host byte order
    uint64_t now_ns();                  // CLOCK_MONOTONIC

    // One step: waits until deadline_ns or an event, and handles it (see
    // KernelSockets::wait). Callers service their apps after each step.
    void run_once(uint64_t deadline_ns) { sockets_.wait(deadline_ns); }
    uint64_t take_ready() { return 0; }

  private:
    NetIf(int epoll_fd, uint32_t ip);

    uint32_t ip_;
    KernelSockets sockets_;
};

} // namespace sf::net

#endif // SF_NET_KERNEL_NETIF_H
