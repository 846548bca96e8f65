// superfluid guest networking app: UDP echo (RFC 862), portable.
//
// Every datagram to the port goes back to its sender, unchanged.
// Contract (all apps): start() once the sockets are ready (a Stack: after its
// first poll()); service() after every batch of input()/poll() (this one has
// nothing to do there: it answers from the receive callback), or after every
// loop step of a NetIf. Single-threaded, with the sockets (sf/net/sockets.h).
#ifndef SF_NET_UDP_ECHO_H
#define SF_NET_UDP_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "sf/net/sockets.h"

namespace sf::net {

class UdpEcho {
  public:
    static constexpr uint16_t kPort = 7;

    // Binds the port; false if it is taken or the socket table is full.
    bool start(Sockets& stack, uint16_t port = kPort);
    void service() {}

    uint64_t echoed() const { return echoed_; }
    uint64_t failed() const { return failed_; } // udp_sendto refused (no route)

  private:
    static void on_receive(void* ctx, int socket, uint32_t src_ip, uint16_t src_port, const uint8_t* data,
                           size_t len);

    Sockets* stack_ = nullptr;
    uint64_t echoed_ = 0, failed_ = 0;
};

} // namespace sf::net

#endif // SF_NET_UDP_ECHO_H
