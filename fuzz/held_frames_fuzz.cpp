// libFuzzer target: a migration's Frames record (host/migration/held_frames.h)
// as a receiver decodes it; what it accepts encodes back to the same bytes.
#include "host/migration/held_frames.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sf::Result<sf::host::HeldFrames> frames = sf::host::decode_frames({data, size});
    if (!frames) return 0;
    if (frames->size() > sf::host::kMaxHeldFrames) std::abort();
    for (const auto& frame : *frames)
        if (frame.size() < sf::host::kMinFrame || frame.size() > sf::host::kMaxFrame) std::abort();
    const std::string again = sf::host::encode_frames(*frames);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
    return 0;
}
