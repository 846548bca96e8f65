// superfluid toolstack: the Frames record of a migration (docs/migration.md).
//
// Frames that reached a guest at the source while it was paused to leave
// (FramePort::hold) travel to the destination after its commit, which puts
// them in the guest's RX ring: a TCP segment sent during the downtime is
// then late by a few milliseconds instead of lost until its sender's
// retransmission timer fires (~200 ms on Linux).
//
// Payload (little-endian): uint32 count (<= kMaxHeldFrames), uint32 reserved
// 0, then per frame a uint32 length (kMinFrame..kMaxFrame) and the frame's
// bytes. Nothing may follow the last frame.
//
// Threading: pure functions.
#pragma once

#include "common/result.h"
#include "net/frame_channel.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sf::host {

using HeldFrames = std::vector<std::vector<uint8_t>>;

inline constexpr size_t kMaxHeldFrames = 256; // as FramePort keeps at most
inline constexpr size_t kMinFrame = 14;       // an Ethernet header
inline constexpr size_t kMaxFrame = net::frames::kMaxFrame;

// The record's payload. Frames past kMaxHeldFrames, or of a length out of
// range, are left out.
std::string encode_frames(const HeldFrames& frames);
// The frames, or one error naming what is wrong with the payload.
Result<HeldFrames> decode_frames(std::span<const uint8_t> payload);

} // namespace sf::host
