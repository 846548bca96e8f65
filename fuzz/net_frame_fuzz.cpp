// libFuzzer target: the guest IP stack (guest/net) compiled for the host, fed
// arbitrary Ethernet frames and sequences of frames mixed with timer ticks and
// socket calls. Every frame the stack sends is checked: Ethernet size within
// [60, 1514] and, for IPv4, valid header and transport checksums; after a
// poll no deadline may be left in the past.
//
// Input: a sequence of records. Record = op byte, then:
//   op % 4 == 0  len (2 bytes, big-endian) + frame, given as is
//   op % 4 == 1  len (2 bytes) + frame, IPv4/TCP/UDP/ICMP checksums fixed up first
//   op % 4 == 2  one byte: advance the clock by byte * 10 ms and poll
//   op % 4 == 3  one byte: a socket call (accept, read, write, close, UDP send)
#include "sf/net/stack.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using sf::net::Stack;

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint16_t sum16(const uint8_t* p, size_t len, uint32_t initial) {
    uint64_t s = initial;
    for (size_t i = 0; i < len; ++i)
        s += (i & 1) ? p[i] : static_cast<uint64_t>(p[i]) << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s & 0xffff);
}

uint32_t pseudo(const uint8_t* ip, uint8_t proto, size_t len) {
    uint32_t s = 0;
    for (int i = 12; i < 20; i += 2)
        s += be16(ip + i);
    return s + proto + static_cast<uint32_t>(len);
}

// Offsets of the IPv4 packet and its payload if the lengths are consistent.
bool ipv4_bounds(const uint8_t* f, size_t len, size_t* ihl, size_t* total) {
    if (len < 34 || be16(f + 12) != 0x0800) return false;
    const uint8_t* ip = f + 14;
    *ihl = static_cast<size_t>(ip[0] & 0xf) * 4;
    *total = be16(ip + 2);
    return *ihl >= 20 && *total >= *ihl && 14 + *total <= len;
}

void put_sum(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

void fix_checksums(uint8_t* f, size_t len) {
    size_t ihl = 0, total = 0;
    if (!ipv4_bounds(f, len, &ihl, &total)) return;
    uint8_t* ip = f + 14;
    put_sum(ip + 10, 0);
    put_sum(ip + 10, sum16(ip, ihl, 0));
    uint8_t* t = ip + ihl;
    const size_t tlen = total - ihl;
    const uint8_t proto = ip[9];
    size_t at = 0;
    if (proto == 6 && tlen >= 20)
        at = 16;
    else if (proto == 17 && tlen >= 8)
        at = 6;
    else if (proto == 1 && tlen >= 4)
        at = 2;
    else
        return;
    put_sum(t + at, 0);
    put_sum(t + at, sum16(t, tlen, proto == 1 ? 0 : pseudo(ip, proto, tlen)));
}

void check_sent(void*, const uint8_t* f, size_t len) {
    if (len < 60 || len > sf::net::kMaxFrame) std::abort();
    size_t ihl = 0, total = 0;
    if (be16(f + 12) != 0x0800) return;
    if (!ipv4_bounds(f, len, &ihl, &total)) std::abort();
    const uint8_t* ip = f + 14;
    if (sum16(ip, ihl, 0) != 0) std::abort();
    const uint8_t proto = ip[9];
    const size_t tlen = total - ihl;
    const uint16_t s = sum16(ip + ihl, tlen, proto == 1 ? 0 : pseudo(ip, proto, tlen));
    if (s != 0 && !(proto == 17 && be16(ip + ihl + 6) == 0)) std::abort();
}

void udp_echo(void* ctx, int socket, uint32_t ip, uint16_t port, const uint8_t* data, size_t len) {
    static_cast<Stack*>(ctx)->udp_sendto(socket, ip, port, data, len);
}

void socket_call(Stack& s, int listener, uint8_t arg, std::vector<int>& conns) {
    uint8_t buf[3 * 256];
    std::memset(buf, arg, sizeof buf);
    const int pick = conns.empty() ? -1 : conns[arg % conns.size()];
    switch (arg % 5) {
    case 0: {
        const int c = s.tcp_accept(listener);
        if (c >= 0) conns.push_back(c);
        break;
    }
    case 1: (void)s.tcp_read(pick, buf, arg); break;
    case 2: (void)s.tcp_write(pick, buf, static_cast<size_t>(arg) * 3); break;
    case 3:
        s.tcp_close(pick);
        for (size_t i = 0; i < conns.size(); ++i)
            if (conns[i] == pick) conns.erase(conns.begin() + static_cast<long>(i));
        break;
    default: (void)s.udp_sendto(0, 0x0a000003u, 9, buf, arg); break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sf::net::Config config;
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    std::memcpy(config.mac, mac, 6);
    config.ip = 0x0a000002u; // 10.0.0.2/24, gateway 10.0.0.1
    config.netmask = 0xffffff00u;
    config.gateway = 0x0a000001u;
    config.send_frame = check_sent;
    static Stack* stack_storage = nullptr; // large: keep it off the fuzzer's stack
    delete stack_storage;
    stack_storage = new Stack(config);
    Stack& s = *stack_storage;
    uint64_t now = 1'000'000'000;
    s.poll(now);
    const int listener = s.tcp_listen(80);
    (void)s.udp_bind(7, udp_echo, &s);
    std::vector<int> conns;
    std::vector<uint8_t> frame;
    size_t i = 0;
    while (i < size) {
        const uint8_t op = data[i++];
        if (op % 4 <= 1) {
            if (i + 2 > size) break;
            size_t len = be16(data + i);
            i += 2;
            if (len > size - i) len = size - i;
            frame.assign(data + i, data + i + len);
            i += len;
            if (op % 4 == 1) fix_checksums(frame.data(), frame.size());
            s.input(frame.data(), frame.size(), now);
        } else if (i < size) {
            const uint8_t arg = data[i++];
            if (op % 4 == 2) {
                now += static_cast<uint64_t>(arg) * 10'000'000;
                s.poll(now);
                if (s.next_deadline_ns() <= now) std::abort(); // poll left due work undone
            } else {
                socket_call(s, listener, arg, conns);
            }
        }
    }
    return 0;
}
