// libFuzzer target: the L2Switch (src/net) fed a script of operations from
// the input: frames of any bytes and length on any port (existing or not),
// ports added (some locked to a MAC) and removed, time moving and aging.
// Checks the switch's promises: no frame goes back out of its ingress port,
// only well-formed frames are delivered, the MAC table stays bounded, and a
// second switch (another network) never sees anything.
#include "net/l2_switch.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

using sf::net::L2Switch;
using sf::net::PortId;

constexpr size_t kMaxLearned = 8;
constexpr size_t kMaxPorts = 6;

struct CheckingSink : sf::net::PortSink {
    PortId self = 0;
    PortId* current_ingress = nullptr;
    size_t frames = 0;
    void deliver(std::span<const uint8_t> frame) override {
        if (frame.size() < sf::net::kEthHeaderBytes || frame.size() > sf::net::kMaxTaggedFrameBytes)
            std::abort();
        if (current_ingress && *current_ingress == self) std::abort(); // sent back out of its ingress
        if ((frame[6] & 0x01) != 0) std::abort();                      // multicast source forwarded
        ++frames;
    }
};

struct Reader {
    const uint8_t* data;
    size_t size;
    uint8_t byte() {
        if (size == 0) return 0;
        --size;
        return *data++;
    }
    std::span<const uint8_t> take(size_t n) {
        n = n < size ? n : size;
        std::span<const uint8_t> out(data, n);
        data += n;
        size -= n;
        return out;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    L2Switch sw(sf::net::SwitchConfig{kMaxLearned, 1000, kMaxPorts});
    L2Switch other(sf::net::SwitchConfig{kMaxLearned, 1000, kMaxPorts});
    auto other_sink = std::make_shared<CheckingSink>();
    if (!other.add_port({other_sink, std::nullopt, true})) std::abort();

    PortId ingress = 0;
    std::vector<std::shared_ptr<CheckingSink>> sinks;
    Reader in{data, size};
    uint64_t now = 0;
    size_t locked = 0;
    while (in.size > 0) {
        uint8_t op = in.byte();
        now += static_cast<uint64_t>(in.byte()) * 8;
        switch (op % 5) {
        case 0:
        case 1: { // a frame: port, 16-bit length, bytes
            ingress = in.byte() % (kMaxPorts + 1);
            size_t length = static_cast<size_t>(in.byte()) << 8;
            length |= in.byte();
            sw.receive(ingress, in.take(length), now);
            break;
        }
        case 2: { // a port, locked to the next six bytes if op is odd
            auto sink = std::make_shared<CheckingSink>();
            sink->current_ingress = &ingress;
            sf::net::PortOptions options{sink, std::nullopt, true};
            auto mac_bytes = in.take(6);
            if ((op & 1) != 0 && mac_bytes.size() == 6)
                options.locked_mac = sf::net::MacAddress::from_bytes(mac_bytes.data());
            auto port = sw.add_port(options);
            if (port) {
                sink->self = *port;
                sinks.push_back(sink);
                locked += options.locked_mac ? 1 : 0;
            }
            break;
        }
        case 3:
            (void)sw.remove_port(in.byte() % kMaxPorts);
            break;
        default:
            (void)sw.expire(now);
            break;
        }
        if (sw.stats().table_size > kMaxLearned + locked) std::abort();
    }
    if (other_sink->frames != 0 || other.stats().frames != 0) std::abort();
    return 0;
}
