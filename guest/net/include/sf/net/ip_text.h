// superfluid guest networking: an IPv4 address as text (portable).
#ifndef SF_NET_IP_TEXT_H
#define SF_NET_IP_TEXT_H

#include <stddef.h>
#include <stdint.h>

namespace sf::net {

// Writes "a.b.c.d" (host-order `ip`) into out (at least 16 bytes).
void ip_to_text(uint32_t ip, char* out, size_t size);

} // namespace sf::net

#endif // SF_NET_IP_TEXT_H
