// superfluid worker tests: a migrating guest's port is held from its pause
// (FramePort::hold, docs/migration.md step 6). Frames that reach it then are
// kept, not written to its RX ring (the copy has gone); destroyed (it left),
// the worker gives them back on the frame channel marked kReturned, in order;
// resumed (it stayed), they enter its ring and the guest answers them.
#include "worker_test_support.h"

#include "frame_channel_peer.h"
#include "net/frame_channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <optional>
#include <thread>
#include <vector>

using namespace sf;
using namespace sf::test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kPort = 5;
constexpr std::array<uint8_t, 6> kGuestMac = {0x02, 0, 0, 0, 0x20, 0x05};
constexpr std::array<uint8_t, 6> kPeerMac = {0x02, 0, 0, 0, 0x20, 0x99};
constexpr uint32_t kGuestIp = 0x0a4d0009; // 10.77.0.9, host order as the worker takes it
constexpr uint32_t kPeerIp = 0x0a4d00fa;  // 10.77.0.250

api::GuestSpec ping_fields(uint64_t id) {
    return {.id = id,
            .name = "ping" + std::to_string(id),
            .image = guest_image("ping"),
            .mem = 4u << 20,
            .cmdline = "",
            .start = true,
            .store = false,
            .nic = api::NicSpec{kPort, "02:00:00:00:20:05", kGuestIp, 0xffffff00u, 0x0a4d0001, 1500}};
}

void put_be(std::vector<uint8_t>& frame, size_t at, uint32_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i)
        frame[at + i] = static_cast<uint8_t>(value >> (8 * (bytes - 1 - i)));
}

// An ARP request from the peer for the guest's address; `tag` in its padding tells them apart.
std::vector<uint8_t> arp_request(uint8_t tag) {
    std::vector<uint8_t> frame(60, 0);
    std::fill_n(frame.begin(), 6, 0xff);
    std::copy(kPeerMac.begin(), kPeerMac.end(), frame.begin() + 6);
    put_be(frame, 12, 0x0806, 2);
    put_be(frame, 14, 1, 2);      // Ethernet
    put_be(frame, 16, 0x0800, 2); // IPv4
    frame[18] = 6;
    frame[19] = 4;
    put_be(frame, 20, 1, 2); // request
    std::copy(kPeerMac.begin(), kPeerMac.end(), frame.begin() + 22);
    put_be(frame, 28, kPeerIp, 4);
    put_be(frame, 38, kGuestIp, 4);
    frame[59] = tag;
    return frame;
}

bool is_arp_reply_to_peer(const std::vector<uint8_t>& frame) {
    return frame.size() >= 42 && std::equal(kPeerMac.begin(), kPeerMac.end(), frame.begin()) &&
           std::equal(kGuestMac.begin(), kGuestMac.end(), frame.begin() + 6) && frame[12] == 0x08 &&
           frame[13] == 0x06 && frame[20] == 0 && frame[21] == 2;
}

void send_to_guest(WorkerUnderTest& worker, const std::vector<uint8_t>& frame) {
    Result<net::frames::SendStatus> sent = net::frames::send_frame(worker.frames(), kPort, frame);
    ASSERT_TRUE(sent && *sent == net::frames::SendStatus::Sent);
}

class WorkerHeldFramesTest : public WorkerTest {
  protected:
    // A ping guest on worker a (with a frame channel) that answers ARP, then
    // migrated to worker b: a's copy is left paused, its port held.
    void SetUp() override {
        WorkerTest::SetUp();
        if (IsSkipped()) return;
        a_ = start_worker(0, true);
        b_ = start_worker(1);
        ASSERT_TRUE(a_ && b_);
        Result<nlohmann::json> created = a_->call(api::Create{ping_fields(1)});
        ASSERT_TRUE(created && created->contains("ok"))
            << (created ? created->dump() : created.error().message);
        const auto until = std::chrono::steady_clock::now() + 10s; // its NIC is attached once it says so
        while (a_->logs(1).find("ping: up") == std::string::npos && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(5ms);
        ASSERT_NE(a_->logs(1).find("ping: up"), std::string::npos) << a_->logs(1);
        ASSERT_NO_FATAL_FAILURE(expect_answer(arp_request(0)));

        auto [out_socket, in_socket] = tcp_pair();
        ASSERT_TRUE(out_socket.valid() && in_socket.valid());
        const uint64_t in = b_->send(api::MigrateIn{ping_fields(9), 5000, std::nullopt}, in_socket.get());
        const uint64_t out = a_->send(api::MigrateOut{1, 5000, std::nullopt}, out_socket.get());
        out_socket.reset();
        in_socket.reset();
        Result<nlohmann::json> sent = a_->reply(out);
        Result<nlohmann::json> received = b_->reply(in);
        ASSERT_TRUE(sent && sent->contains("ok")) << (sent ? sent->dump() : sent.error().message);
        ASSERT_TRUE(received && received->contains("ok"))
            << (received ? received->dump() : received.error().message);
        ASSERT_EQ(a_->state(1), "paused");
    }

    // The guest answers `request` (an ARP request) on a's channel.
    void expect_answer(const std::vector<uint8_t>& request) {
        ASSERT_NO_FATAL_FAILURE(send_to_guest(*a_, request));
        for (;;) {
            std::optional<ChannelFrame> frame = next_frame(a_->frames(), 5s);
            ASSERT_TRUE(frame) << "no ARP reply from the guest: " << a_->logs(1);
            if (!is_arp_reply_to_peer(frame->bytes)) continue;
            EXPECT_EQ(frame->port, kPort);
            EXPECT_EQ(frame->flags, 0);
            return;
        }
    }

    // Nothing comes out of a's channel for a while: the guest did not see what was sent.
    void expect_silence() {
        std::optional<ChannelFrame> frame = next_frame(a_->frames(), 300ms);
        EXPECT_FALSE(frame) << "a frame (flags " << (frame ? frame->flags : 0) << ") while the port is held";
    }

    std::unique_ptr<WorkerUnderTest> a_, b_;
};

} // namespace

TEST_F(WorkerHeldFramesTest, FramesForAGuestThatLeftComeBackMarkedReturned) {
    for (uint8_t tag = 1; tag <= 3; ++tag)
        ASSERT_NO_FATAL_FAILURE(send_to_guest(*a_, arp_request(tag)));
    expect_silence();
    Result<nlohmann::json> destroyed = a_->call(api::Destroy{1});
    ASSERT_TRUE(destroyed && destroyed->contains("ok"));
    for (uint8_t tag = 1; tag <= 3; ++tag) {
        std::optional<ChannelFrame> frame = next_frame(a_->frames(), 5s);
        ASSERT_TRUE(frame) << "frame " << int(tag) << " was not given back";
        EXPECT_EQ(frame->port, kPort);
        EXPECT_EQ(frame->flags, net::frames::kReturned);
        EXPECT_EQ(frame->bytes, arp_request(tag)) << "given back in the order they came";
    }
    expect_silence();
    Result<nlohmann::json> stats = a_->call(api::Stats{});
    ASSERT_TRUE(stats);
    EXPECT_EQ((*stats)["frames"]["held"], 3);
    EXPECT_EQ((*stats)["frames"]["returned"], 3);
}

TEST_F(WorkerHeldFramesTest, AGuestThatStaysAnswersWhatWasHeldOnceResumed) {
    ASSERT_NO_FATAL_FAILURE(send_to_guest(*a_, arp_request(7)));
    expect_silence();
    // As sfd does when the commit fails: the guest runs on here, the kept frame enters its ring.
    Result<nlohmann::json> resumed = a_->call(api::Resume{1});
    ASSERT_TRUE(resumed && resumed->contains("ok")) << (resumed ? resumed->dump() : resumed.error().message);
    std::optional<ChannelFrame> frame;
    do {
        frame = next_frame(a_->frames(), 5s);
        ASSERT_TRUE(frame) << "the held ARP request was never answered: " << a_->logs(1);
    } while (!is_arp_reply_to_peer(frame->bytes));
    EXPECT_EQ(frame->flags, 0);
    ASSERT_NO_FATAL_FAILURE(expect_answer(arp_request(8))); // and the port is no longer held
    EXPECT_TRUE(b_->call(api::Destroy{9}));
}
