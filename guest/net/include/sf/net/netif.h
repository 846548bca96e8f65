// superfluid guest networking: one network interface driven end to end
// (guest-only): NIC 0 from the boot info, its driver, a Stack, and the loop
// step that waits in poll.
//
// Usage (a sample guest):
//     NetIf& net = NetIf::boot("udpecho");   // exits with status 2 if no NIC
//     UdpEcho app;  app.start(net.stack());
//     for (;;) { net.run_once(UINT64_MAX); app.service(); }
//
// Contract:
// - One NetIf per guest (boot() returns the same object every time),
//   single-threaded.
// - Time comes from rdtsc (boot info tsc_hz), offset once against
//   sf_monotonic_ns() at boot, so now_ns() and deadlines are on the
//   monitor's monotonic clock without an exit per reading. It never goes back.
// - run_once() is the only place that waits, and it waits in one sf_poll,
//   which also sends what the TX ring holds.
#ifndef SF_NET_NETIF_H
#define SF_NET_NETIF_H

#if defined(SF_NET_KERNEL_SOCKETS) && SF_NET_KERNEL_SOCKETS
// The Linux builds of the samples: the same NetIf interface over the kernel's
// sockets and the interface address Linux holds (guest/net/linux/).
#include "sf/net/kernel_netif.h"
#else

#include <stdint.h>

#include "sf/net/ip_text.h" // ip_to_text, for the samples
#include "sf/net/nic.h"
#include "sf/net/stack.h"

namespace sf::net {

class NetIf {
  public:
    // Reads nics[0] (network-order fields converted to host order), attaches
    // it, builds the Stack and polls it once. With no NIC (nic_count 0) or a
    // refused attach, prints one line naming `who` and exits with status 2.
    static NetIf& boot(const char* who);

    Stack& stack() { return stack_; }
    Nic& nic() { return nic_; }
    uint32_t ip() const { return ip_; } // host byte order
    uint64_t now_ns();

    // One step: unless RX already holds frames, waits in sf_poll until
    // min(deadline_ns, the stack's next timer) or a frame arrives (that exit
    // also flushes TX); then feeds every received frame to the stack and
    // runs its timers. Callers service their apps after each step.
    void run_once(uint64_t deadline_ns);
    // The ready bits (abi.h, SF_POLL_*) the polls of run_once saw since the
    // last call, e.g. SF_POLL_STORE: store watch events wait.
    uint64_t take_ready();

  private:
    explicit NetIf(const sf_nic_info& info);
    static Config config_from(const sf_nic_info& info, NetIf* self);
    static void send_frame(void* ctx, const uint8_t* frame, size_t len);

    uint64_t tsc0_ = 0, ns0_ = 0, mult_ = 0; // ns = ns0 + ((tsc - tsc0) * mult) >> 32
    uint64_t floor_ns_ = 0;                  // now_ns() never returns less
    uint64_t ready_ = 0;                     // what polls reported, for take_ready()
    uint32_t ip_ = 0;
    Nic nic_;
    Stack stack_;
};

} // namespace sf::net

#endif // SF_NET_KERNEL_SOCKETS
#endif // SF_NET_NETIF_H
