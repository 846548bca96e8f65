// superfluid toolstack: encoding the Frames record.
#include "host/migration/held_frames.h"

#include <cstring>

namespace sf::host {
namespace {

void put_u32(std::string& out, uint32_t value) {
    char bytes[4];
    std::memcpy(bytes, &value, sizeof bytes);
    out.append(bytes, sizeof bytes);
}

uint32_t get_u32(std::span<const uint8_t> bytes) {
    uint32_t value;
    std::memcpy(&value, bytes.data(), sizeof value);
    return value;
}

bool fits(size_t length) {
    return length >= kMinFrame && length <= kMaxFrame;
}

} // namespace

std::string encode_frames(const HeldFrames& frames) {
    std::string out;
    uint32_t count = 0;
    put_u32(out, 0); // count, filled in below
    put_u32(out, 0);
    for (const std::vector<uint8_t>& frame : frames) {
        if (count == kMaxHeldFrames || !fits(frame.size())) continue;
        put_u32(out, static_cast<uint32_t>(frame.size()));
        out.append(reinterpret_cast<const char*>(frame.data()), frame.size());
        ++count;
    }
    std::memcpy(out.data(), &count, sizeof count);
    return out;
}

Result<HeldFrames> decode_frames(std::span<const uint8_t> payload) {
    if (payload.size() < 8)
        return error(ErrorKind::InvalidArgument, "Frames record of {} bytes", payload.size());
    const uint32_t count = get_u32(payload);
    if (count > kMaxHeldFrames)
        return error(ErrorKind::InvalidArgument, "Frames record of {} frames (at most {})", count,
                     kMaxHeldFrames);
    if (get_u32(payload.subspan(4)) != 0)
        return error(ErrorKind::InvalidArgument, "Frames record: reserved not 0");
    payload = payload.subspan(8);
    HeldFrames frames;
    frames.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        if (payload.size() < 4)
            return error(ErrorKind::InvalidArgument, "Frames record ends inside frame {}", i);
        const uint32_t length = get_u32(payload);
        payload = payload.subspan(4);
        if (!fits(length) || length > payload.size())
            return error(ErrorKind::InvalidArgument, "Frames record: frame {} of {} bytes ({} left)", i,
                         length, payload.size());
        frames.emplace_back(payload.begin(), payload.begin() + length);
        payload = payload.subspan(length);
    }
    if (!payload.empty())
        return error(ErrorKind::InvalidArgument, "Frames record: {} bytes after its last frame",
                     payload.size());
    return frames;
}

} // namespace sf::host
