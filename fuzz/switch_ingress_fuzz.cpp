// libFuzzer target: what sfd's data plane does first with bytes from a worker
// or a TAP: parse a frame-channel packet (net/frame_channel.h), ask the ARP
// responder (net/arp_responder.h) whether it answers the frame, and, as for
// a guest's frame, whether the port's address binding (net/address_binding.h)
// lets it be answered. Checks that a parsed frame lies inside the packet with
// the length the header says, that an answer is a well-formed ARP reply to
// the asker, from a MAC the responder knows, and that a request the binding
// passes is in the bound guest's name.
#include "net/address_binding.h"
#include "net/arp_responder.h"
#include "net/frame_channel.h"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sf::net;
    static ArpResponder* arp = [] {
        auto* r = new ArpResponder;
        r->add(Ipv4Address(0x0a000002), MacAddress({0x02, 0, 0, 0, 0, 2}));
        r->add(Ipv4Address(0x0a000001), MacAddress({0x02, 0, 0, 0, 0, 1}));
        return r;
    }();
    std::span<const uint8_t> input(data, size);
    auto frame = frames::parse(input);
    std::span<const uint8_t> bytes = input;
    if (frame) {
        if (frame->bytes.size() + sizeof(frames::Header) != size || frame->bytes.size() > frames::kMaxFrame)
            std::abort();
        if (frame->bytes.data() != data + sizeof(frames::Header)) std::abort();
        bytes = frame->bytes;
    }
    // A guest port's binding, as the data plane applies it to a guest's frames.
    static const AddressBinding guest{MacAddress({0x02, 0, 0, 0, 0, 3}), Ipv4Address(0x0a000003)};
    const bool passes = bytes.size() >= 14 && !guest.check(bytes); // reads only what is there
    if (auto reply = arp->answer(bytes)) {
        if (bytes.size() < kArpFrameBytes) std::abort();
        if (std::memcmp(reply->data(), bytes.data() + 22, 6) != 0) std::abort(); // to the asker's MAC
        if ((*reply)[21] != 2 || (*reply)[6] != 0x02) std::abort();              // a reply, from a known MAC
        // A request the binding passes asks in the guest's own name (or 0.0.0.0: a probe).
        static const uint8_t kOwnIp[4] = {10, 0, 0, 3}, kNoIp[4] = {};
        if (passes && (std::memcmp(bytes.data() + 22, guest.mac.bytes().data(), 6) != 0 ||
                       (std::memcmp(bytes.data() + 28, kOwnIp, 4) != 0 &&
                        std::memcmp(bytes.data() + 28, kNoIp, 4) != 0)))
            std::abort();
    }
    return 0;
}
