// Unit tests: passing a descriptor with a packet of the sfd <-> worker
// protocol (src/host/protocol.h): the descriptor arrives with its packet,
// close-on-exec; extra descriptors are closed; packets without one carry none.
#include "host/protocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <gtest/gtest.h>

using namespace sf;
using namespace sf::host;

namespace {

class ProtocolFdTest : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
    UniqueFd a, b;
};

UniqueFd make_pipe(UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return UniqueFd();
    write_end.reset(fds[1]);
    return UniqueFd(fds[0]);
}

TEST_F(ProtocolFdTest, DescriptorArrivesWithItsPacket) {
    UniqueFd write_end;
    UniqueFd read_end = make_pipe(write_end);
    ASSERT_TRUE(read_end.valid());
    ASSERT_TRUE(
        wire::send(a.get(), wire::Type::Request, 7, 3, R"({"op":"save","id":3})", 0, write_end.get()));
    write_end.reset(); // the receiver's copy keeps the pipe open

    Result<wire::Message> m = wire::receive(b.get());
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->type(), wire::Type::Request);
    EXPECT_EQ(m->header.request_id, 7u);
    EXPECT_EQ(m->header.guest_id, 3u);
    EXPECT_EQ(m->payload, R"({"op":"save","id":3})");
    ASSERT_TRUE(m->fd.valid());
    EXPECT_TRUE(::fcntl(m->fd.get(), F_GETFD) & FD_CLOEXEC);

    ASSERT_EQ(::write(m->fd.get(), "hi", 2), 2);
    char got[2] = {};
    ASSERT_EQ(::read(read_end.get(), got, 2), 2);
    EXPECT_EQ(std::memcmp(got, "hi", 2), 0);
}

TEST_F(ProtocolFdTest, PacketsWithoutOneCarryNone) {
    ASSERT_TRUE(wire::send(a.get(), wire::Type::Request, 1, 0, R"({"op":"stats"})"));
    Result<wire::Message> m = wire::receive(b.get());
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->fd.valid());
}

TEST_F(ProtocolFdTest, NoDescriptorIsAnError) {
    EXPECT_FALSE(wire::send(a.get(), wire::Type::Request, 1, 0, "{}", 0, -1));
}

TEST_F(ProtocolFdTest, ExtraDescriptorsAreClosed) {
    UniqueFd w1, w2;
    UniqueFd r1 = make_pipe(w1), r2 = make_pipe(w2);
    wire::Header header{wire::kMagic, wire::kVersion, static_cast<uint16_t>(wire::Type::Request), 9, 0, 0, 0};
    iovec part{&header, sizeof header};
    alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    const int both[2] = {w1.get(), w2.get()};
    std::memcpy(CMSG_DATA(c), both, sizeof both);
    ASSERT_GE(::sendmsg(a.get(), &msg, 0), 0);
    w1.reset();
    w2.reset();

    Result<wire::Message> m = wire::receive(b.get());
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(m->fd.valid());
    char byte;
    EXPECT_EQ(::read(r2.get(), &byte, 1), 0) << "the second descriptor was not closed";
    m->fd.reset();
    EXPECT_EQ(::read(r1.get(), &byte, 1), 0);
}

TEST_F(ProtocolFdTest, DescriptorWithABrokenPacketIsClosed) {
    UniqueFd write_end;
    UniqueFd read_end = make_pipe(write_end);
    wire::Header header{0xdead, wire::kVersion, 1, 1, 0, 0, 0};
    iovec part{&header, sizeof header};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    const int passed = write_end.get();
    std::memcpy(CMSG_DATA(c), &passed, sizeof passed);
    ASSERT_GE(::sendmsg(a.get(), &msg, 0), 0);
    write_end.reset();

    EXPECT_FALSE(wire::receive(b.get()));
    char byte;
    EXPECT_EQ(::read(read_end.get(), &byte, 1), 0);
}

} // namespace

// A peer that dies with our packets unread (sfd SIGKILLed while its worker
// reports) gives ECONNRESET, not EOF: both are "closed", the peer going away,
// which a worker with a durable store survives, not a broken packet.
TEST_F(ProtocolFdTest, PeerGoneWithPacketsUnreadIsClosed) {
    ASSERT_TRUE(wire::send(b.get(), wire::Type::Event, 0, 1, "{}"));
    a.reset(); // never read
    sf::Result<wire::Message> gone = wire::receive(b.get());
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().message, "closed");
    int c[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c), 0);
    UniqueFd mine(c[0]);
    ::close(c[1]); // closed with nothing unread: EOF
    sf::Result<wire::Message> eof = wire::receive(mine.get());
    ASSERT_FALSE(eof);
    EXPECT_EQ(eof.error().message, "closed");
}
