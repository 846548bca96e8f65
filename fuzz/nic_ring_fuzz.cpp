// libFuzzer target: the monitor's NIC (vmm/devices/nic.h) against a guest
// that writes anything into its rings. The input scripts operations: the
// guest sets TX head, RX tail or a slot length to any value, writes frame
// bytes; the host delivers frames of any length and kicks. Checks that the
// monitor never transmits a frame outside 14..SF_NET_FRAME_MAX bytes, never
// transmits more than a ring holds per kick, stops with a fault reason on a
// corrupt ring, and never writes outside the rings (ASan watches the rest of
// guest memory through the mapping's bounds: rings sit at its end).
#include "vmm/devices/nic.h"

#include <cstdlib>
#include <cstring>

namespace {

constexpr uint64_t kMemSize = 2ull << 20;
constexpr uint64_t kRingsGpa = kMemSize - ((sizeof(sf_net_rings) + 4095) & ~4095ull);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sf::vmm;
    static GuestMemory* memory = new GuestMemory(std::move(*GuestMemory::create(kMemSize)));
    auto* rings = reinterpret_cast<sf_net_rings*>(memory->host_base() + kRingsGpa);
    std::memset(rings, 0, sizeof *rings);
    size_t sent = 0;
    Nic nic(NicConfig{}, [&](std::span<const uint8_t> frame) {
        if (frame.size() < 14 || frame.size() > SF_NET_FRAME_MAX) std::abort();
        ++sent;
    });
    if (nic.attach(*memory, kRingsGpa) != 0) std::abort();
    uint8_t frame[SF_NET_FRAME_MAX + 64] = {};
    for (size_t i = 0; i + 3 <= size; i += 3) {
        const uint16_t value = static_cast<uint16_t>(data[i + 1] | data[i + 2] << 8);
        switch (data[i] % 5) {
        case 0: rings->tx.head += value % 40; break;
        case 1: rings->rx.tail = rings->rx.tail + value % 40 - 8; break;
        case 2: rings->tx.slots[value % SF_NET_RING_SLOTS].len = value; break;
        case 3: (void)nic.deliver({frame, value % sizeof frame}); break;
        case 4: {
            sent = 0;
            Nic::KickResult kicked = nic.kick();
            if (kicked.frames != sent || sent > SF_NET_RING_SLOTS) std::abort();
            if (kicked.fault) return 0; // the guest would end here
            break;
        }
        }
    }
    nic.detach();
    if (nic.deliver({frame, 60})) std::abort(); // detached: touches nothing
    return 0;
}
