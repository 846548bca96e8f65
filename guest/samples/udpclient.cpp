// superfluid sample guest: udpclient.
//
// Usage: udpclient IP PORT COUNT   (COUNT <= 1000)
// Sends COUNT small datagrams "udpclient SEQ", 10 ms apart, from NIC 0 to
// IP:PORT and prints one line per reply (an echo server sends them back).
// The second waits for the first's reply (at most 1 s): until IP's MAC is
// known the stack holds one datagram only, and a slow ARP answer (a loaded
// host) would lose the ones sent meanwhile.
// Exits 0 once every datagram got its reply, 1 if some had none 2 s after
// the last was sent, 2 on bad arguments or without a NIC. Used to test
// guest-to-guest forwarding; it waits only in poll.
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/net/netif.h"
#include "sf/strtol.h"

namespace {

constexpr unsigned long kCountMax = 1000;
constexpr uint64_t kIntervalNs = 10000000;         // 10 ms
constexpr uint64_t kGraceNs = 2000000000;          // 2 s after the last send
constexpr uint64_t kFirstReplyWaitNs = 1000000000; // the first reply, before the second send
constexpr uint16_t kLocalPortBase = 40000;

struct Client {
    sf::net::NetIf* net;
    uint64_t sent_at[kCountMax];
    bool answered[kCountMax];
    unsigned long count, replies;
};
Client client;

// "a.b.c.d" to a host-order address.
bool parse_ip(const char* s, uint32_t* out) {
    uint32_t ip = 0;
    for (int i = 0; i < 4; ++i) {
        char* end = nullptr;
        if (s[0] < '0' || s[0] > '9') return false;
        const unsigned long part = strtoul(s, &end, 10);
        if (part > 255 || *end != (i == 3 ? '\0' : '.')) return false;
        ip = ip << 8 | static_cast<uint32_t>(part);
        s = end + 1;
    }
    *out = ip;
    return true;
}

void on_reply(void*, int, uint32_t src_ip, uint16_t src_port, const uint8_t* data, size_t len) {
    char text[32];
    const size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    unsigned long seq = 0;
    if (sf_strncmp(text, "udpclient ", 10) != 0 || !sf_parse_ulong(text + 10, kCountMax - 1, &seq) ||
        seq >= client.count || client.answered[seq])
        return;
    client.answered[seq] = true;
    ++client.replies;
    char ip[16];
    sf::net::ip_to_text(src_ip, ip, sizeof ip);
    const uint64_t us = (client.net->now_ns() - client.sent_at[seq]) / 1000;
    printf("udpclient: reply %lu from %s:%u after %llu us\n", seq, ip, src_port,
           static_cast<unsigned long long>(us));
}

int usage() {
    printf("usage: udpclient IP PORT COUNT (COUNT <= %lu)\n", kCountMax);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    uint32_t dst = 0;
    unsigned long port = 0;
    if (argc != 4 || !parse_ip(argv[1], &dst) || !sf_parse_ulong(argv[2], 65535, &port) || port == 0 ||
        !sf_parse_ulong(argv[3], kCountMax, &client.count))
        return usage();
    sf::net::NetIf& net = sf::net::NetIf::boot("udpclient");
    client.net = &net;
    const auto local = static_cast<uint16_t>(kLocalPortBase + sf_get_boot_info()->guest_id % 20000);
    const int sock = net.stack().udp_bind(local, on_reply, nullptr);
    if (sock < 0) return 2;
    uint64_t next = net.now_ns(), end = 0;
    for (unsigned long sent = 0; client.replies < client.count;) {
        const uint64_t now = net.now_ns();
        if (sent == 1 && client.replies == 0 && now < client.sent_at[0] + kFirstReplyWaitNs) {
            net.run_once(client.sent_at[0] + kFirstReplyWaitNs); // the address is being resolved
            next = net.now_ns();
            continue;
        }
        if (sent < client.count && now >= next) {
            char msg[32];
            const int n = snprintf(msg, sizeof msg, "udpclient %lu", sent);
            client.sent_at[sent] = now;
            net.stack().udp_sendto(sock, dst, static_cast<uint16_t>(port), reinterpret_cast<uint8_t*>(msg),
                                   static_cast<size_t>(n));
            next += kIntervalNs;
            if (++sent == client.count) end = now + kGraceNs;
            continue;
        }
        if (sent == client.count && now >= end) break;
        net.run_once(sent < client.count ? next : end);
    }
    printf("udpclient: %lu/%lu replies\n", client.replies, client.count);
    return client.replies == client.count ? 0 : 1;
}
