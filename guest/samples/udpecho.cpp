// superfluid sample guest: udpecho.
//
// UDP echo on port 7 of NIC 0 (and ping). Prints
// "udpecho: listening on IP:7" once, then waits in poll for ever.
#include "sf/libc.h"
#include "sf/net/netif.h"
#include "sf/net/udp_echo.h"

int main() {
    sf::net::NetIf& net = sf::net::NetIf::boot("udpecho");
    static sf::net::UdpEcho app;
    if (!app.start(net.stack())) {
        printf("udpecho: cannot bind port %u\n", sf::net::UdpEcho::kPort);
        return 1;
    }
    char ip[16];
    sf::net::ip_to_text(net.ip(), ip, sizeof ip);
    printf("udpecho: listening on %s:%u\n", ip, sf::net::UdpEcho::kPort);
    for (;;) {
        net.run_once(UINT64_MAX);
        app.service();
    }
}
