// superfluid guest IP stack: the Internet checksum (RFC 1071).
#include "wire.h"

namespace sf::net {

uint32_t checksum_add(uint32_t sum, const uint8_t* p, size_t len) {
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += load16(p + i);
    if (i < len) s += static_cast<uint32_t>(p[i]) << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return static_cast<uint32_t>(s);
}

uint32_t checksum_pseudo(uint32_t sum, uint32_t src, uint32_t dst, uint8_t proto, size_t len) {
    uint8_t pseudo[12];
    store32(pseudo, src);
    store32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = proto;
    store16(pseudo + 10, static_cast<uint16_t>(len));
    return checksum_add(sum, pseudo, sizeof pseudo);
}

uint16_t checksum_fold(uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffffu);
}

} // namespace sf::net
