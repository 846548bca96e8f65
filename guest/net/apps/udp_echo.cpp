// superfluid guest networking app: UDP echo (see sf/net/udp_echo.h).
#include "sf/net/udp_echo.h"

namespace sf::net {

bool UdpEcho::start(Sockets& stack, uint16_t port) {
    stack_ = &stack;
    return stack.udp_bind(port, &UdpEcho::on_receive, this) >= 0;
}

void UdpEcho::on_receive(void* ctx, int socket, uint32_t src_ip, uint16_t src_port, const uint8_t* data,
                         size_t len) {
    auto* self = static_cast<UdpEcho*>(ctx);
    if (self->stack_->udp_sendto(socket, src_ip, src_port, data, len))
        ++self->echoed_;
    else
        ++self->failed_;
}

} // namespace sf::net
