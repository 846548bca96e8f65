// Guest networking: the NIC ring helpers (sf/net/ring.h) as both sides of a ring.
#include "sf/net/ring.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace sf::net {
namespace {

std::unique_ptr<sf_net_ring> zeroed_ring() {
    auto r = std::make_unique<sf_net_ring>();
    std::memset(r.get(), 0, sizeof *r);
    return r;
}

std::vector<uint8_t> frame_of(uint32_t seq, size_t len) {
    std::vector<uint8_t> f(len);
    for (size_t i = 0; i < len; ++i)
        f[i] = static_cast<uint8_t>(seq + i);
    return f;
}

struct Collector {
    std::vector<std::vector<uint8_t>> frames;
    void operator()(const uint8_t* f, size_t len) { frames.emplace_back(f, f + len); }
};

TEST(NetRing, PushThenConsumeInOrder) {
    auto r = zeroed_ring();
    EXPECT_EQ(ring_free_slots(r.get()), SF_NET_RING_SLOTS);
    EXPECT_EQ(ring_pending(r.get()), 0u);
    for (uint32_t i = 0; i < 3; ++i)
        ASSERT_TRUE(ring_push(r.get(), frame_of(i, 60 + i).data(), 60 + i));
    EXPECT_EQ(ring_pending(r.get()), 3u);
    Collector c;
    RingDrained d = ring_consume(r.get(), 2, c);
    EXPECT_EQ(d.frames, 2u);
    d = ring_consume(r.get(), 10, c);
    EXPECT_EQ(d.frames, 1u);
    ASSERT_EQ(c.frames.size(), 3u);
    for (uint32_t i = 0; i < 3; ++i)
        EXPECT_EQ(c.frames[i], frame_of(i, 60 + i));
    EXPECT_EQ(r->head, 3u);
    EXPECT_EQ(r->tail, 3u);
}

TEST(NetRing, FullRingRefusesAndBadSendLengthsAreRefused) {
    auto r = zeroed_ring();
    const auto f = frame_of(0, SF_NET_FRAME_MAX + 1);
    EXPECT_FALSE(ring_push(r.get(), f.data(), 0));
    EXPECT_FALSE(ring_push(r.get(), f.data(), SF_NET_FRAME_MAX + 1));
    for (uint32_t i = 0; i < SF_NET_RING_SLOTS; ++i)
        ASSERT_TRUE(ring_push(r.get(), f.data(), SF_NET_FRAME_MAX));
    EXPECT_EQ(ring_free_slots(r.get()), 0u);
    EXPECT_FALSE(ring_push(r.get(), f.data(), 64));
    EXPECT_EQ(r->head, SF_NET_RING_SLOTS);
}

TEST(NetRing, IndicesWrapAroundTwoToTheThirtyTwo) {
    auto r = zeroed_ring();
    r->head = r->tail = 0xfffffff0u;
    Collector c;
    for (uint32_t round = 0; round < 3; ++round) {
        for (uint32_t i = 0; i < SF_NET_RING_SLOTS; ++i)
            ASSERT_TRUE(ring_push(r.get(), frame_of(round * 100 + i, 64).data(), 64));
        EXPECT_EQ(ring_free_slots(r.get()), 0u);
        EXPECT_EQ(ring_pending(r.get()), SF_NET_RING_SLOTS);
        EXPECT_EQ(ring_consume(r.get(), UINT32_MAX, c).frames, SF_NET_RING_SLOTS);
    }
    EXPECT_EQ(r->head, 0xfffffff0u + 3 * SF_NET_RING_SLOTS); // wrapped past zero
    ASSERT_EQ(c.frames.size(), 3 * SF_NET_RING_SLOTS);
    for (uint32_t round = 0; round < 3; ++round)
        for (uint32_t i = 0; i < SF_NET_RING_SLOTS; ++i)
            EXPECT_EQ(c.frames[round * SF_NET_RING_SLOTS + i], frame_of(round * 100 + i, 64));
}

TEST(NetRing, ConsumerSkipsBadLengthsAndCapsAnOverclaimingHead) {
    auto r = zeroed_ring();
    const uint16_t lens[] = {0, 60, SF_NET_FRAME_MAX + 1, 0xffff, SF_NET_FRAME_MAX};
    for (uint32_t i = 0; i < 5; ++i)
        r->slots[i].len = lens[i];
    r->head = 5;
    Collector c;
    RingDrained d = ring_consume(r.get(), UINT32_MAX, c);
    EXPECT_EQ(d.frames, 2u);
    EXPECT_EQ(d.skipped, 3u);
    ASSERT_EQ(c.frames.size(), 2u);
    EXPECT_EQ(c.frames[0].size(), 60u);
    EXPECT_EQ(c.frames[1].size(), SF_NET_FRAME_MAX);
    EXPECT_EQ(r->tail, 5u);
    // A head claiming 1000 frames: at most one ring's worth is read.
    for (auto& s : r->slots)
        s.len = 60;
    r->head = r->tail + 1000;
    EXPECT_EQ(ring_pending(r.get()), SF_NET_RING_SLOTS);
    EXPECT_EQ(ring_consume(r.get(), UINT32_MAX, c).frames, SF_NET_RING_SLOTS);
    EXPECT_EQ(r->tail, 5u + SF_NET_RING_SLOTS);
}

TEST(NetRing, TwoThreadsMoveEveryFrameInOrder) {
    auto r = zeroed_ring();
    r->head = r->tail = 0xffffff00u; // cross the wrap while racing
    constexpr uint32_t kFrames = 200000;
    std::thread producer([&] {
        for (uint32_t i = 0; i < kFrames;) {
            uint8_t f[64];
            std::memcpy(f, &i, sizeof i);
            const size_t len = 14 + i % 50;
            std::memset(f + 4, static_cast<int>(i & 0xff), len - 4);
            if (ring_push(r.get(), f, len))
                ++i;
            else
                std::this_thread::yield();
        }
    });
    uint32_t next = 0;
    bool ok = true;
    auto check = [&](const uint8_t* f, size_t len) {
        uint32_t seq;
        std::memcpy(&seq, f, sizeof seq);
        ok = ok && seq == next && len == 14 + seq % 50 && f[len - 1] == static_cast<uint8_t>(seq & 0xff);
        ++next;
    };
    while (next < kFrames)
        if (ring_consume(r.get(), 7, check).frames == 0) std::this_thread::yield();
    producer.join();
    EXPECT_TRUE(ok);
    EXPECT_EQ(next, kFrames);
    EXPECT_EQ(ring_pending(r.get()), 0u);
}

} // namespace
} // namespace sf::net
