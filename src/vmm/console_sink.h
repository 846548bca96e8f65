// superfluid monitor: ConsoleSink, where a guest's console bytes go.
//
// Called on the vCPU's thread while the guest is stopped in its console_write
// hypercall; an implementation must not block for long.
#pragma once

#include <cstdint>
#include <span>

namespace sf::vmm {

class ConsoleSink {
  public:
    virtual ~ConsoleSink() = default;
    virtual void write(std::span<const uint8_t> bytes) = 0;
};

} // namespace sf::vmm
