// superfluid guest networking: NetIf, NIC 0 plus a Stack (guest-only; see sf/net/netif.h).
#include "sf/net/netif.h"

#include "sf/hypercall.h"
#include "sf/libc.h"

namespace sf::net {

namespace {

constexpr uint32_t kKickBatch = 8; // TX frames worth an exit of their own while RX keeps us busy

uint32_t from_network(uint32_t v) {
    return __builtin_bswap32(v); // x86-64 is little-endian
}

[[noreturn]] void give_up(const char* who, const char* why, long long error) {
    if (error != 0)
        printf("%s: %s (error %lld)\n", who, why, error);
    else
        printf("%s: %s\n", who, why);
    sf_exit(2);
}

} // namespace

Config NetIf::config_from(const sf_nic_info& info, NetIf* self) {
    Config c;
    sf_memcpy(c.mac, info.mac, kMacLen);
    c.ip = from_network(info.ipv4_addr);
    c.netmask = from_network(info.ipv4_mask);
    c.gateway = from_network(info.ipv4_gw);
    c.mtu = info.mtu;
    c.send_frame = &NetIf::send_frame;
    c.send_ctx = self;
    c.defer_acks = true; // run_once flushes them before it waits
    return c;
}

NetIf::NetIf(const sf_nic_info& info) : ip_(from_network(info.ipv4_addr)), stack_(config_from(info, this)) {
    const uint64_t hz = sf_get_boot_info()->tsc_hz;
    mult_ = hz == 0 ? 0 : (1000000000ull << 32) / hz;
    ns0_ = sf_monotonic_ns();
    tsc0_ = sf_rdtsc();
}

NetIf& NetIf::boot(const char* who) {
    const sf_boot_info* info = sf_get_boot_info();
    if (info->abi_version < 2 || info->nic_count == 0)
        give_up(who, "no network interface (nic_count 0): create the guest with --net", 0);
    static NetIf netif(info->nics[0]);
    if (!netif.nic_.attached()) {
        const int64_t ret = netif.nic_.attach(0);
        if (ret != 0) give_up(who, "attaching NIC 0 failed", ret);
        netif.stack_.poll(netif.now_ns());
    }
    return netif;
}

uint64_t NetIf::now_ns() {
    uint64_t ns;
    if (mult_ == 0) {
        ns = sf_monotonic_ns(); // no TSC frequency: one exit per reading
    } else {
        const unsigned __int128 d = static_cast<unsigned __int128>(sf_rdtsc() - tsc0_) * mult_;
        ns = ns0_ + static_cast<uint64_t>(d >> 32);
    }
    if (ns < floor_ns_) ns = floor_ns_;
    floor_ns_ = ns;
    return ns;
}

void NetIf::run_once(uint64_t deadline_ns) {
    stack_.flush_acks(); // ACKs the app's replies did not carry (they go with this poll's TX flush)
    if (!nic_.rx_pending()) {
        const uint64_t timer = stack_.next_deadline_ns();
        const uint64_t wake = timer < deadline_ns ? timer : deadline_ns;
        if (wake > now_ns()) {
            // 0: the monitor's clock reached `wake`; keep ours from lagging behind it.
            const uint64_t ready = sf_poll(wake);
            ready_ |= ready;
            if (ready == 0 && wake > floor_ns_) floor_ns_ = wake;
        }
    } else if (nic_.tx_held() >= kKickBatch) {
        nic_.kick(); // busy, so no poll to flush TX: do not let replies wait for a full ring
    }
    auto feed = [this](const uint8_t* frame, size_t len) { stack_.input(frame, len, now_ns()); };
    nic_.receive(feed);
    stack_.poll(now_ns());
}

uint64_t NetIf::take_ready() {
    const uint64_t ready = ready_;
    ready_ = 0;
    return ready;
}

void NetIf::send_frame(void* ctx, const uint8_t* frame, size_t len) {
    static_cast<NetIf*>(ctx)->nic_.send(frame, len);
}

} // namespace sf::net
