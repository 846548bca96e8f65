// superfluid sample guest: kvcount.
//
// Named counters over TCP lines on port 7000 of NIC 0 ("INCR key",
// "GET key"; see sf/net/kv_counter.h). Prints
// "kvcount: listening on IP:7000" once, then serves for ever.
#include "sf/libc.h"
#include "sf/net/kv_counter.h"
#include "sf/net/netif.h"

int main() {
    sf::net::NetIf& net = sf::net::NetIf::boot("kvcount");
    static sf::net::KvCounter app;
    if (!app.start(net.stack())) {
        printf("kvcount: cannot listen on port %u\n", sf::net::KvCounter::kPort);
        return 1;
    }
    char ip[16];
    sf::net::ip_to_text(net.ip(), ip, sizeof ip);
    printf("kvcount: listening on %s:%u\n", ip, sf::net::KvCounter::kPort);
    for (;;) {
        net.run_once(UINT64_MAX);
        app.service();
    }
}
