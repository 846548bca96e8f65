// superfluid switch: PortSink, where an L2Switch port's outgoing frames go.
//
// Implemented by whatever stands behind a port: a guest NIC's receive ring,
// the network's uplink TAP, a test recorder.
//
// Contract: deliver() is called with the switch's mutex held, on whichever
// thread called L2Switch::receive(). It must copy what it needs out of
// `frame` (the span is valid only during the call), must not block, and must
// not call back into the same switch (that would deadlock). It drops rather
// than waits when its own buffer is full, and counts the drop itself.
#pragma once

#include <cstdint>
#include <span>

namespace sf::net {

class PortSink {
  public:
    virtual ~PortSink() = default;
    virtual void deliver(std::span<const uint8_t> frame) = 0;
};

} // namespace sf::net
