// Unit tests: PacketOutbox (src/host/packet_outbox.h), sfd's sending side of
// a worker's socket: a post never waits for the peer to read; packets arrive
// in order, descriptors with theirs; past 8 MiB unread a post fails and its
// packet is dropped; a peer that is gone fails every post.
#include "host/packet_outbox.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <string>

using namespace sf;
using namespace sf::host;
using namespace std::chrono_literals;

namespace {

class PacketOutboxTest : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        ours.reset(fds[0]);
        theirs.reset(fds[1]);
        wire::size_buffers(ours.get());
        wire::size_buffers(theirs.get());
    }

    // The packets the peer reads, their request ids in order from `first`.
    void expect_in_order(uint64_t first, uint64_t count, size_t payload_size) {
        for (uint64_t id = first; id < first + count; ++id) {
            Result<wire::Message> m = wire::receive(theirs.get());
            ASSERT_TRUE(m) << m.error().message;
            ASSERT_EQ(m->header.request_id, id);
            ASSERT_EQ(m->payload.size(), payload_size);
        }
    }

    UniqueFd ours, theirs;
};

const std::string kChunk(32 << 10, 'p');

} // namespace

TEST_F(PacketOutboxTest, APostNeverWaitsAndEverythingArrivesInOrder) {
    PacketOutbox outbox(ours.get());
    constexpr uint64_t kPackets = 200; // 6.4 MiB: many times what the socket holds
    const auto before = std::chrono::steady_clock::now();
    for (uint64_t id = 1; id <= kPackets; ++id)
        ASSERT_TRUE(outbox.post(wire::Type::Store, id, 7, kChunk, wire::kRawPayload)) << "packet " << id;
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s) << "no post waited for the reader";
    EXPECT_GT(outbox.queued_bytes(), 0u);
    expect_in_order(1, kPackets, kChunk.size());
    EXPECT_EQ(outbox.queued_bytes(), 0u);
}

TEST_F(PacketOutboxTest, PastTheBoundAPostFailsAndItsPacketIsDropped) {
    PacketOutbox outbox(ours.get());
    uint64_t id = 1;
    Result<void> posted = ok();
    for (; id < 1000 && posted; ++id)
        posted = outbox.post(wire::Type::Store, id, 7, kChunk, wire::kRawPayload);
    ASSERT_FALSE(posted) << "8 MiB unread";
    EXPECT_EQ(posted.error().kind, ErrorKind::Unavailable);
    EXPECT_NE(posted.error().message.find("has not read"), std::string::npos) << posted.error().message;
    const uint64_t dropped = id - 1;
    EXPECT_LE(outbox.queued_bytes(), PacketOutbox::kMaxQueuedBytes);
    expect_in_order(1, dropped - 1, kChunk.size());
    ASSERT_TRUE(outbox.post(wire::Type::Store, dropped + 1, 7, "after", wire::kRawPayload)) << "room again";
    Result<wire::Message> next = wire::receive(theirs.get());
    ASSERT_TRUE(next);
    EXPECT_EQ(next->header.request_id, dropped + 1) << "the refused packet never went";
}

TEST_F(PacketOutboxTest, AQueuedPacketKeepsItsDescriptor) {
    PacketOutbox outbox(ours.get());
    for (uint64_t id = 1; id <= 20; ++id)
        ASSERT_TRUE(outbox.post(wire::Type::Store, id, 7, kChunk));
    ASSERT_GT(outbox.queued_bytes(), 0u) << "the socket is full: the next packet is queued";
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]);
    ASSERT_TRUE(outbox.post(wire::Type::Request, 21, 0, R"({"op":"save"})", 0, pipe_fds[1]));
    ::close(pipe_fds[1]); // the queued packet holds its own copy
    expect_in_order(1, 20, kChunk.size());
    Result<wire::Message> m = wire::receive(theirs.get());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.request_id, 21u);
    ASSERT_TRUE(m->fd.valid());
    ASSERT_EQ(::write(m->fd.get(), "hi", 2), 2);
    char got[2] = {};
    ASSERT_EQ(::read(read_end.get(), got, 2), 2);
    EXPECT_EQ(std::memcmp(got, "hi", 2), 0);
}

TEST_F(PacketOutboxTest, ATooLargePacketFailsAloneAndTheOutboxGoesOn) {
    PacketOutbox outbox(ours.get());
    EXPECT_FALSE(outbox.post(wire::Type::Store, 1, 7, std::string(wire::kMaxPayload + 1, 'x')));
    ASSERT_TRUE(outbox.post(wire::Type::Store, 2, 7, "fits"));
    expect_in_order(2, 1, 4);
}

TEST_F(PacketOutboxTest, APeerThatIsGoneFailsEveryPost) {
    PacketOutbox outbox(ours.get());
    theirs.reset();
    Result<void> first = outbox.post(wire::Type::Store, 1, 7, "x");
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().kind, ErrorKind::Unavailable);
    EXPECT_FALSE(outbox.post(wire::Type::Store, 2, 7, "x"));
    outbox.close();
    EXPECT_FALSE(outbox.post(wire::Type::Store, 3, 7, "x"));
}
