// superfluid sample guest: ping.
//
// Answers ARP and ICMP echo on NIC 0 and nothing else: the network test
// guest. Prints "ping: up on IP" once, then waits in poll for ever.
// Without a NIC it prints why and exits with status 2.
#include "sf/libc.h"
#include "sf/net/netif.h"

int main() {
    sf::net::NetIf& net = sf::net::NetIf::boot("ping");
    char ip[16];
    sf::net::ip_to_text(net.ip(), ip, sizeof ip);
    printf("ping: up on %s\n", ip);
    for (;;)
        net.run_once(UINT64_MAX);
}
