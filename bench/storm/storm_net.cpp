// sf-bench storm --net: see storm_net.h.
#include "bench/storm/storm_net.h"

#include "bench/common/icmp_pinger.h"

#include "net/ipv4_address.h"

#include <chrono>
#include <memory>

namespace sf::bench {
namespace {

// One ICMP socket per storm thread, opened on first use.
Result<IcmpPinger*> thread_pinger() {
    thread_local std::unique_ptr<IcmpPinger> pinger;
    if (!pinger) {
        SF_TRY_ASSIGN(pinger, IcmpPinger::create());
    }
    return pinger.get();
}

Result<void> ping_guest(const std::string& ip_text, const StormNetOptions& o) {
    if (ip_text.empty()) return error("the created guest shows no nic.ip");
    SF_TRY_ASSIGN(net::Ipv4Address ip, net::Ipv4Address::parse(ip_text));
    SF_TRY_ASSIGN(IcmpPinger * pinger, thread_pinger());
    auto answered = pinger->ping(ip.value(), std::chrono::milliseconds(o.ping_interval_ms), o.ping_tries);
    if (!answered) return error("guest at {}: {}", ip_text, answered.error().message);
    return ok();
}

} // namespace

Result<NetCreated> create_and_ping(SfdClient& client, const GuestRequest& request, const StormNetOptions& o) {
    const auto start = std::chrono::steady_clock::now();
    SF_TRY_ASSIGN(CreatedGuest guest, client.create_guest(request));
    NetCreated created{guest, ping_guest(guest.ip, o)};
    created.guest.client_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return created;
}

uint64_t storm_neighbour_entries(uint64_t n) {
    return n + 1024;
}

} // namespace sf::bench
