// libFuzzer target: the L2Switch (src/net) fed a script of operations from
// the input: frames of any bytes and length on any port (existing or not),
// ports added (some locked to a MAC, some of those bound to an address) and
// removed, time moving and aging.
// Checks the switch's promises: no frame goes back out of its ingress port,
// only well-formed frames are delivered, the MAC table stays bounded, a
// bound port's ARP and IPv4 are delivered only in its own name (checked here
// independently of address_binding.cpp), a locked port floods no more than
// its budget allows, and a second switch (another network) never sees anything.
#include "net/l2_switch.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

namespace {

using sf::net::L2Switch;
using sf::net::PortId;

constexpr size_t kMaxLearned = 8;
constexpr size_t kMaxPorts = 6;
constexpr uint32_t kFloodBurst = 3;
constexpr uint32_t kFloodPerSecond = 1'000'000; // one frame's share per microsecond: time moves it here

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
bool is_vlan_tag(uint16_t type) {
    return type == 0x8100 || type == 0x88a8;
}

struct Binding {
    std::array<uint8_t, 6> mac;
    uint32_t ip;
};

// Whether a bound port's frame is in another's name: the rules of
// address_binding.h, written again.
bool forged(const Binding& binding, std::span<const uint8_t> frame) {
    size_t at = 12;
    uint16_t type = be16(&frame[at]);
    if (is_vlan_tag(type)) {
        at = 16;
        if (frame.size() < at + 2) return false;
        type = be16(&frame[at]);
        if (is_vlan_tag(type)) return true;
    }
    const std::span<const uint8_t> payload = frame.subspan(at + 2);
    const uint8_t* p = payload.data();
    if (type == 0x0806) {
        if (payload.size() < 28 || be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
            return true;
        if (!std::equal(binding.mac.begin(), binding.mac.end(), p + 8)) return true;
        const uint32_t sender = be32(p + 14);
        return sender != binding.ip && !(sender == 0 && be16(p + 6) == 1);
    }
    if (type == 0x0800) return payload.size() < 20 || be32(p + 12) != binding.ip;
    return false;
}

// What the script knows about each port id now.
struct PortState {
    bool locked = false;
    std::optional<Binding> binding;
    uint64_t added_ns = 0;
    uint64_t floods = 0; // broadcast/multicast frames from it that reached another port
};

struct CheckingSink : sf::net::PortSink {
    PortId self = 0;
    PortId* current_ingress = nullptr;
    std::array<PortState, kMaxPorts + 1>* ports = nullptr;
    bool* delivered = nullptr;
    size_t frames = 0;
    void deliver(std::span<const uint8_t> frame) override {
        if (frame.size() < sf::net::kEthHeaderBytes || frame.size() > sf::net::kMaxTaggedFrameBytes)
            std::abort();
        if (current_ingress && *current_ingress == self) std::abort(); // sent back out of its ingress
        if ((frame[6] & 0x01) != 0) std::abort();                      // multicast source forwarded
        if (current_ingress && ports) {
            const PortState& from = (*ports)[*current_ingress];
            if (from.binding && forged(*from.binding, frame)) std::abort(); // a forgery got through
        }
        if (delivered) *delivered = true;
        ++frames;
    }
};

// The most floods a locked port may have sent by `now_ns` (flood_limiter.h).
uint64_t flood_budget(const PortState& port, uint64_t now_ns) {
    return kFloodBurst + (now_ns - port.added_ns) / (1'000'000'000 / kFloodPerSecond);
}

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
    const sf::net::SwitchConfig config{.max_learned = kMaxLearned,
                                       .aging_ns = 1000,
                                       .max_ports = kMaxPorts,
                                       .flood_burst = kFloodBurst,
                                       .flood_per_second = kFloodPerSecond};
    L2Switch sw(config);
    L2Switch other(config);
    auto other_sink = std::make_shared<CheckingSink>();
    if (!other.add_port({other_sink, std::nullopt, true})) std::abort();

    PortId ingress = 0;
    std::array<PortState, kMaxPorts + 1> ports{};
    bool delivered = false;
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
            const std::span<const uint8_t> frame = in.take(length);
            delivered = false;
            sw.receive(ingress, frame, now);
            PortState& from = ports[ingress];
            if (delivered && from.locked && (frame[0] & 0x01) != 0 && ++from.floods > flood_budget(from, now))
                std::abort(); // flooded past its budget
            break;
        }
        case 2: { // a port, locked to the next six bytes if op is odd, and bound to the four after if op & 8
            auto sink = std::make_shared<CheckingSink>();
            sink->current_ingress = &ingress;
            sink->ports = &ports;
            sink->delivered = &delivered;
            sf::net::PortOptions options{sink, std::nullopt, true};
            auto mac_bytes = in.take(6);
            if ((op & 1) != 0 && mac_bytes.size() == 6)
                options.locked_mac = sf::net::MacAddress::from_bytes(mac_bytes.data());
            auto port = sw.add_port(options);
            if (!port) break;
            sink->self = *port;
            sinks.push_back(sink);
            locked += options.locked_mac ? 1 : 0;
            ports[*port] = PortState{options.locked_mac.has_value(), std::nullopt, now, 0};
            if ((op & 8) == 0 || !options.locked_mac) break;
            auto ip_bytes = in.take(4);
            if (ip_bytes.size() < 4) break;
            const uint32_t ip = be32(ip_bytes.data());
            if (sw.bind_address(*port, sf::net::Ipv4Address(ip)))
                ports[*port].binding = Binding{options.locked_mac->bytes(), ip};
            break;
        }
        case 3: {
            const PortId id = in.byte() % kMaxPorts;
            if (sw.remove_port(id)) ports[id] = PortState{};
            break;
        }
        default: (void)sw.expire(now); break;
        }
        if (sw.stats().table_size > kMaxLearned + locked) std::abort();
    }
    if (other_sink->frames != 0 || other.stats().frames != 0) std::abort();
    return 0;
}
