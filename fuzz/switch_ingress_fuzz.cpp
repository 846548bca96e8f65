// libFuzzer target: what sfd's data plane does first with bytes from a worker
// or a TAP: parse a frame-channel packet (net/frame_channel.h) and ask the
// ARP responder (net/arp_responder.h) whether it answers the frame. Checks
// that a parsed frame lies inside the packet with the length the header says,
// and that an answer is a well-formed ARP reply to the asker, from a MAC the
// responder knows.
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
    if (auto reply = arp->answer(bytes)) {
        if (bytes.size() < kArpFrameBytes) std::abort();
        if (std::memcmp(reply->data(), bytes.data() + 22, 6) != 0) std::abort(); // to the asker's MAC
        if ((*reply)[21] != 2 || (*reply)[6] != 0x02) std::abort();               // a reply, from a known MAC
    }
    return 0;
}
