// Unit tests (no KVM; sockets on loopback): the migration handshake and the
// listener in front of it (host/migration/migration_handshake.h,
// migration_listener.h). Two hosts with one token agree on keys; a peer
// without the token is refused on either side; reflected and replayed
// handshakes are refused; a relay that forwards the handshake cannot put its
// own bytes in the stream; before the handshake the listener reads at most
// 88 bytes, bounds connections per peer and drops idle ones, so real
// migrations get through.
#include "host/migration/migration_handshake.h"
#include "host/migration/migration_listener.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <thread>

namespace sf::host {
namespace {

using namespace std::chrono_literals;
using vmm::snapshot::Tag;

constexpr auto kTimeout = 2000ms;

MigrationToken token(const char* text = "superfluid-unit-test-token-1") {
    return MigrationToken::from_text(text).value();
}

struct Pair {
    UniqueFd a, b;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        a = UniqueFd(fds[0]);
        b = UniqueFd(fds[1]);
    }
};

// Everything `fd` still gives until it ends (or `wait` passes with nothing).
std::vector<uint8_t> drain(int fd, std::chrono::milliseconds wait = 500ms) {
    std::vector<uint8_t> out;
    uint8_t buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return out;
        out.insert(out.end(), buf, buf + n);
    }
}

void send_bytes(int fd, const void* data, size_t n) {
    ASSERT_EQ(::send(fd, data, n, MSG_NOSIGNAL), static_cast<ssize_t>(n));
}

std::vector<uint8_t> receive_bytes(int fd, size_t n) {
    std::vector<uint8_t> out(n);
    size_t got = 0;
    while (got < n) {
        const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
        if (r <= 0) break;
        got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
}

TEST(MigrationHandshake, SameTokenAgreesOnKeysThatSealBothWays) {
    Pair p;
    auto receiving =
        std::async(std::launch::async, [&] { return handshake_as_receiver(p.b.get(), token(), kTimeout); });
    auto sender = handshake_as_sender(p.a.get(), token(), kTimeout);
    auto receiver = receiving.get();
    ASSERT_TRUE(sender) << sender.error().message;
    ASSERT_TRUE(receiver) << receiver.error().message;
    {
        vmm::snapshot::Writer w(p.a.get(), {}, &sender->sending());
        ASSERT_TRUE(w.record(Tag::Host, std::string_view(R"({"name":"kv"})")));
    }
    vmm::snapshot::Reader r(p.b.get(), {kTimeout, std::nullopt}, &receiver->receiving());
    auto record = r.next();
    ASSERT_TRUE(record) << record.error().message;
    EXPECT_EQ(record->tag, Tag::Host);
    {
        vmm::snapshot::Writer w(p.b.get(), {}, &receiver->sending());
        ASSERT_TRUE(w.record(Tag::Reply, std::string_view(R"({"ok":true})")));
    }
    vmm::snapshot::Reader back(p.a.get(), {kTimeout, std::nullopt}, &sender->receiving());
    EXPECT_TRUE(back.next());
    // A worker's part continues the counts, and sfd continues from them.
    auto handed = MigrationSession::from_json(sender->to_json());
    ASSERT_TRUE(handed) << handed.error().message;
    EXPECT_EQ(handed->counts(), sender->counts());
    EXPECT_TRUE(sender->continue_from(nlohmann::json{{"send", 5u}, {"receive", 3u}}));
    EXPECT_FALSE(sender->continue_from(nlohmann::json{{"send", 4u}, {"receive", 3u}}))
        << "a count never goes back";
}

TEST(MigrationHandshake, AnotherTokenIsRefusedOnBothSides) {
    Pair p;
    auto receiving =
        std::async(std::launch::async, [&] { return handshake_as_receiver(p.b.get(), token(), kTimeout); });
    auto sender = handshake_as_sender(p.a.get(), token("another-token-of-another-host"), kTimeout);
    auto receiver = receiving.get();
    ASSERT_FALSE(receiver);
    EXPECT_NE(receiver.error().message.find("wrong migration token"), std::string::npos)
        << receiver.error().message;
    ASSERT_FALSE(sender);
    EXPECT_NE(sender.error().message.find("token"), std::string::npos) << sender.error().message;
}

// A host that is no receiver of ours (it does not hold the token) answers
// with a Hello and a made-up proof: the sender refuses it, and all it got was
// the sender's Hello and proof, nothing of a guest.
TEST(MigrationHandshake, AReceiverWithoutTheTokenIsNotTrusted) {
    Pair p;
    auto sender = std::async(std::launch::async, [&] {
        auto s = handshake_as_sender(p.a.get(), token(), kTimeout);
        p.a.reset();
        return s;
    });
    HelloMessage fake{};
    std::memcpy(fake.magic, kHelloMagic.data(), 8);
    fake.version = kHandshakeVersion;
    fake.role = static_cast<uint32_t>(MigrationRole::Receiver);
    send_bytes(p.b.get(), &fake, sizeof fake);
    ProofMessage made_up{ProofMessage::kAccepted, 0, {}};
    std::memset(made_up.proof, 0x5a, sizeof made_up.proof);
    ASSERT_EQ(receive_bytes(p.b.get(), sizeof(HelloMessage) + sizeof(ProofMessage)).size(), 88u);
    send_bytes(p.b.get(), &made_up, sizeof made_up);
    auto refused = sender.get();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("did not prove it holds the migration token"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(drain(p.b.get()).empty()) << "nothing after the proof";
}

// The receiver's own Hello sent back to it, and a sender's Hello sent back to
// the sender: each is refused by its role.
TEST(MigrationHandshake, ReflectedHellosAreRefused) {
    {
        Pair p;
        auto receiving = std::async(std::launch::async,
                                    [&] { return handshake_as_receiver(p.b.get(), token(), kTimeout); });
        auto hello = receive_bytes(p.a.get(), sizeof(HelloMessage));
        send_bytes(p.a.get(), hello.data(), hello.size());
        auto refused = receiving.get();
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("role"), std::string::npos) << refused.error().message;
    }
    {
        Pair p;
        auto sending =
            std::async(std::launch::async, [&] { return handshake_as_sender(p.a.get(), token(), kTimeout); });
        auto hello = receive_bytes(p.b.get(), sizeof(HelloMessage));
        send_bytes(p.b.get(), hello.data(), hello.size());
        auto refused = sending.get();
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("role"), std::string::npos) << refused.error().message;
    }
}

// A relay records a real sender's Hello and proof to a receiver, then plays
// them to the receiver again on a new connection: refused (its nonce is new).
TEST(MigrationHandshake, AReplayedSenderIsRefused) {
    Pair sender_side, receiver_side;
    auto receiving = std::async(
        std::launch::async, [&] { return handshake_as_receiver(receiver_side.b.get(), token(), kTimeout); });
    auto sending = std::async(std::launch::async,
                              [&] { return handshake_as_sender(sender_side.a.get(), token(), kTimeout); });
    // The relay: receiver's Hello to the sender, the sender's Hello and proof recorded and passed on, the
    // verdict back.
    auto r_hello = receive_bytes(receiver_side.a.get(), sizeof(HelloMessage));
    send_bytes(sender_side.b.get(), r_hello.data(), r_hello.size());
    auto recorded = receive_bytes(sender_side.b.get(), sizeof(HelloMessage) + sizeof(ProofMessage));
    send_bytes(receiver_side.a.get(), recorded.data(), recorded.size());
    auto verdict = receive_bytes(receiver_side.a.get(), sizeof(ProofMessage));
    send_bytes(sender_side.b.get(), verdict.data(), verdict.size());
    ASSERT_TRUE(sending.get());
    ASSERT_TRUE(receiving.get());

    Pair replay;
    auto again = std::async(std::launch::async,
                            [&] { return handshake_as_receiver(replay.b.get(), token(), kTimeout); });
    (void)receive_bytes(replay.a.get(), sizeof(HelloMessage));
    send_bytes(replay.a.get(), recorded.data(), recorded.size());
    auto refused = again.get();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("wrong migration token"), std::string::npos)
        << refused.error().message;
    ProofMessage answer{};
    auto bytes = receive_bytes(replay.a.get(), sizeof answer);
    ASSERT_EQ(bytes.size(), sizeof answer);
    std::memcpy(&answer, bytes.data(), sizeof answer);
    EXPECT_EQ(answer.verdict, ProofMessage::kRefused);
}

// A relay forwards an honest handshake, then writes its own Host record (it
// has no keys): the receiver's sealed reader refuses it.
TEST(MigrationHandshake, ARelayCannotPutItsOwnStreamAfterTheHandshake) {
    Pair p;
    auto receiving =
        std::async(std::launch::async, [&] { return handshake_as_receiver(p.b.get(), token(), kTimeout); });
    auto sender = handshake_as_sender(p.a.get(), token(), kTimeout);
    auto receiver = receiving.get();
    ASSERT_TRUE(sender && receiver);
    {
        vmm::snapshot::Writer clear(p.a.get()); // the relay's: a stream of its own, not sealed
        ASSERT_TRUE(clear.header());
        ASSERT_TRUE(clear.record(Tag::Host, std::string_view(R"({"name":"evil"})")));
    }
    vmm::snapshot::Reader r(p.b.get(), {kTimeout, std::nullopt}, &receiver->receiving());
    auto header = r.header();
    EXPECT_FALSE(header) << "the relay's bytes were taken";
}

// --- the listener ---

// A TCP connection to 127.0.0.1:port from source address `from` (any 127.x).
UniqueFd connect_from(const char* from, uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0) << from;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    return fd;
}

// Whether the listener closed `fd` within `wait` (after its Hello, if it sent one).
bool closed_within(int fd, std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    uint8_t buf[256];
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return true;
    }
    return false;
}

struct Listening {
    std::atomic<int> migrations{0};
    std::unique_ptr<MigrationListener> listener;
    explicit Listening(std::chrono::milliseconds handshake_timeout) {
        auto started = MigrationListener::start(
            TcpEndpoint{"127.0.0.1", 0}, token(),
            [this](UniqueFd connection, MigrationSession session) {
                ++migrations;
                vmm::snapshot::Writer w(connection.get(), {}, &session.sending());
                (void)w.record(Tag::Reply, std::string_view(R"({"ok":true})"));
            },
            handshake_timeout);
        EXPECT_TRUE(started) << started.error().message;
        listener = std::move(*started);
    }
    // A real sender's handshake and first record from `from`.
    bool migrate_from(const char* from) {
        UniqueFd fd = connect_from(from, listener->port());
        auto session = handshake_as_sender(fd.get(), token(), kTimeout);
        if (!session) return false;
        vmm::snapshot::Reader r(fd.get(), {kTimeout, std::nullopt}, &session->receiving());
        return r.next().ok();
    }
};

// 20 connections from one address that send nothing: 4 wait in their
// handshake, the rest are closed at once; a real migration from another
// address gets through meanwhile, and one from the same address once the idle
// ones timed out. (Before: 16 idle connections filled every slot.)
TEST(MigrationListener, IdleConnectionsDoNotKeepRealMigrationsOut) {
    Listening l(600ms);
    std::vector<UniqueFd> idle;
    for (int i = 0; i < 20; ++i)
        idle.push_back(connect_from("127.0.0.9", l.listener->port()));
    size_t closed_at_once = 0;
    for (auto& fd : idle)
        closed_at_once += closed_within(fd.get(), 100ms);
    EXPECT_EQ(closed_at_once, 20 - MigrationListener::kMaxHandshakesPerPeer);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(l.migrate_from("127.0.0.1")) << "a real migration while the idle connections wait";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_EQ(l.migrations, 1);
    size_t timed_out = 0;
    for (auto& fd : idle)
        timed_out += closed_within(fd.get(), 2000ms);
    EXPECT_EQ(timed_out, 20u) << "the idle ones are dropped after the handshake timeout";
    EXPECT_TRUE(l.migrate_from("127.0.0.9"));
    EXPECT_EQ(l.migrations, 2);
}

// The old attack: a stream header and a Host record claiming 64 MiB, then
// 8 MiB of '[' (before: all read and parsed before the token was checked).
// Now the listener reads a Hello's 48 bytes, finds no sfd there, and closes;
// no handler runs.
TEST(MigrationListener, AnOversizedPreAuthRecordIsNeverRead) {
    Listening l(2000ms);
    UniqueFd fd = connect_from("127.0.0.1", l.listener->port());
    struct {
        char magic[8] = {'S', 'F', 'S', 'N', 'A', 'P', 0, 0};
        uint32_t version = 1, flags = 0;
        uint64_t wall = 0, reserved = 0;
        uint32_t tag = 1, record_flags = 0;
        uint64_t length = 64ull << 20, checksum = 0;
    } old_stream;
    send_bytes(fd.get(), &old_stream, sizeof old_stream);
    const std::vector<uint8_t> brackets(8 << 20, '[');
    size_t sent = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (sent < brackets.size() && std::chrono::steady_clock::now() - t0 < 3s) {
        const ssize_t n =
            ::send(fd.get(), brackets.data() + sent, brackets.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            sent += static_cast<size_t>(n);
        else if (errno == EPIPE || errno == ECONNRESET)
            break;
        else
            std::this_thread::sleep_for(1ms);
    }
    EXPECT_LT(sent, brackets.size()) << "the listener stopped reading (closed) long before 8 MiB";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(l.migrations, 0);
}

} // namespace
} // namespace sf::host
