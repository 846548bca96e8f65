// Unit tests: the migration's Frames record (host/migration/held_frames.h).
#include "host/migration/held_frames.h"

#include <gtest/gtest.h>

#include <cstring>

namespace sf::host {
namespace {

std::vector<uint8_t> frame_of(size_t length, uint8_t fill) {
    return std::vector<uint8_t>(length, fill);
}

std::vector<uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

TEST(HeldFrames, RoundTripsInOrder) {
    const HeldFrames frames = {frame_of(60, 1), frame_of(kMinFrame, 2), frame_of(kMaxFrame, 3)};
    Result<HeldFrames> back = decode_frames(bytes_of(encode_frames(frames)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, frames);
    Result<HeldFrames> none = decode_frames(bytes_of(encode_frames({})));
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->empty());
}

TEST(HeldFrames, EncodingLeavesOutWhatCannotBeAFrameAndStopsAtTheLimit) {
    HeldFrames frames = {frame_of(kMinFrame - 1, 1), frame_of(kMaxFrame + 1, 2)};
    for (size_t i = 0; i < kMaxHeldFrames + 5; ++i)
        frames.push_back(frame_of(64, static_cast<uint8_t>(i)));
    Result<HeldFrames> back = decode_frames(bytes_of(encode_frames(frames)));
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->size(), kMaxHeldFrames);
    EXPECT_EQ(back->front(), frame_of(64, 0));
    EXPECT_EQ(back->back(), frame_of(64, static_cast<uint8_t>(kMaxHeldFrames - 1)));
}

void expect_refused(std::vector<uint8_t> payload, const std::string& says) {
    Result<HeldFrames> decoded = decode_frames(payload);
    ASSERT_FALSE(decoded) << "accepted: " << says;
    EXPECT_NE(decoded.error().message.find(says), std::string::npos) << decoded.error().message;
}

void put_u32(std::vector<uint8_t>& bytes, size_t at, uint32_t value) {
    std::memcpy(&bytes[at], &value, 4);
}

TEST(HeldFrames, RefusesEveryMalformedPayloadWithItsReason) {
    const std::vector<uint8_t> good = bytes_of(encode_frames({frame_of(60, 7), frame_of(20, 8)}));
    expect_refused({1, 0, 0}, "Frames record of 3 bytes");
    for (size_t cut = 8; cut < good.size(); ++cut) { // truncated anywhere after the count
        Result<HeldFrames> decoded = decode_frames(std::span(good).first(cut));
        EXPECT_FALSE(decoded) << "truncated at " << cut;
    }
    std::vector<uint8_t> many = good;
    put_u32(many, 0, static_cast<uint32_t>(kMaxHeldFrames + 1));
    expect_refused(many, "257 frames");
    std::vector<uint8_t> reserved = good;
    reserved[4] = 1;
    expect_refused(reserved, "reserved");
    std::vector<uint8_t> tiny = good;
    put_u32(tiny, 8, 13);
    expect_refused(tiny, "frame 0 of 13 bytes");
    std::vector<uint8_t> huge = good;
    put_u32(huge, 8, 0xffffffffu);
    expect_refused(huge, "frame 0 of 4294967295 bytes");
    std::vector<uint8_t> trailing = good;
    trailing.push_back(0);
    expect_refused(trailing, "1 bytes after its last frame");
}

} // namespace
} // namespace sf::host
