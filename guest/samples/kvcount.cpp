// superfluid sample guest: kvcount.
//
// Usage: kvcount [TOUCH_KIB]
// Named counters over TCP lines on port 7000 of NIC 0 ("INCR key",
// "GET key"; see sf/net/kv_counter.h). Prints
// "kvcount: listening on IP:7000" once, then serves for ever. With
// TOUCH_KIB it first fills that much heap (a service's working set: the
// migration benchmark moves a guest with about 2 MiB touched).
#include "sf/libc.h"
#include "sf/net/kv_counter.h"
#include "sf/net/netif.h"
#include "sf/strtol.h"

namespace {

constexpr unsigned long kTouchMaxKib = 64 << 10;

// Fills `kib` KiB of heap with a pattern; false if the heap is too small.
bool touch_working_set(unsigned long kib) {
    if (kib == 0) return true;
    auto* bytes = static_cast<unsigned char*>(malloc(kib << 10));
    if (bytes == nullptr) return false;
    for (unsigned long i = 0; i < (kib << 10); ++i)
        bytes[i] = static_cast<unsigned char>(i * 7 + 1);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    unsigned long touch_kib = 0;
    if (argc > 2 || (argc > 1 && !sf_parse_ulong(argv[1], kTouchMaxKib, &touch_kib))) {
        printf("usage: kvcount [TOUCH_KIB] (TOUCH_KIB <= %lu)\n", kTouchMaxKib);
        return 2;
    }
    if (!touch_working_set(touch_kib)) {
        printf("kvcount: cannot touch %lu KiB: the heap is too small\n", touch_kib);
        return 1;
    }
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
