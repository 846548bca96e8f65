// superfluid tests: reading a frame channel (net/frame_channel.h) from the
// other end, as sfd's switch or a worker would: the next packet, parsed.
// Header-only: the host tests (sfd's switch service) and the worker tests both use it.
#pragma once

#include "net/frame_channel.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace sf::test {

struct ChannelFrame {
    uint32_t port = 0;
    uint16_t flags = 0;
    std::vector<uint8_t> bytes;
};

// The next packet on `channel`, parsed (a packet that does not parse is a test
// failure); nullopt when none comes within `timeout`.
inline std::optional<ChannelFrame> next_frame(int channel,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    pollfd ready{channel, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    std::array<uint8_t, net::frames::kMaxPacket> packet;
    const ssize_t n = ::recv(channel, packet.data(), packet.size(), 0);
    if (n <= 0) return std::nullopt;
    Result<net::frames::Frame> frame = net::frames::parse({packet.data(), static_cast<size_t>(n)});
    EXPECT_TRUE(frame) << frame.error().message;
    if (!frame) return std::nullopt;
    return ChannelFrame{frame->port, frame->flags, {frame->bytes.begin(), frame->bytes.end()}};
}

} // namespace sf::test
