// superfluid guest networking: ip_to_text (see sf/net/ip_text.h).
#include "sf/net/ip_text.h"

#include "sf/format.h"

namespace sf::net {

void ip_to_text(uint32_t ip, char* out, size_t size) {
    sf_snprintf(out, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

} // namespace sf::net
