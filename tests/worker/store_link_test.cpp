// Unit tests: the worker's StoreLinks (src/host/worker/store_link.h): guests'
// store requests over the sfd <-> worker protocol to a fake sfd thread, reply
// matching, timeouts, watch events and wake-ups (no KVM, no sfd).
#include "host/protocol.h"
#include "host/worker/store_link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <thread>

using namespace sf;
using namespace sf::host;
using namespace std::string_literals;
using namespace std::chrono_literals;

namespace {

// A socketpair: the worker's end (sends through StoreLinks, reads replies into
// receive() on its own thread) and sfd's end (a fake sfd on another thread).
class StoreLinkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        worker_fd = fds[0];
        sfd_fd = fds[1];
    }
    void TearDown() override {
        ::shutdown(worker_fd, SHUT_RDWR);
        ::shutdown(sfd_fd, SHUT_RDWR);
        if (reader.joinable()) reader.join();
        if (sfd.joinable()) sfd.join();
        ::close(worker_fd);
        ::close(sfd_fd);
    }

    std::unique_ptr<StoreLinks> make_links(std::chrono::milliseconds timeout = 5s) {
        auto links = std::make_unique<StoreLinks>(
            [this](uint64_t request_id, uint64_t guest_id, std::string_view message) {
                return wire::send(worker_fd, wire::Type::Store, request_id, guest_id, message,
                                  wire::kRawPayload);
            },
            timeout);
        StoreLinks* raw = links.get();
        reader = std::thread([this, raw] { // the worker's main thread: Type::Store packets to receive()
            for (;;) {
                Result<wire::Message> m = wire::receive(worker_fd);
                if (!m) return;
                if (m->type() == wire::Type::Store)
                    raw->receive(m->header.request_id, m->header.guest_id, m->payload);
            }
        });
        return links;
    }

    // A fake sfd answering `count` requests: READ "P\0" -> "value of P for guest G"; others "OK".
    void serve(int count) {
        sfd = std::thread([this, count] {
            for (int i = 0; i < count; ++i) {
                Result<wire::Message> m = wire::receive(sfd_fd);
                if (!m) return;
                ASSERT_EQ(m->type(), wire::Type::Store);
                Result<vmm::StoreMessage> request = StoreLinks::decode(m->payload);
                ASSERT_TRUE(request);
                seen_requests.push_back(*request);
                std::string answer = request->type == vmm::xs::kRead
                                         ? fmt::format("value of {} for guest {}", request->payload.c_str(),
                                                       m->header.guest_id)
                                         : "OK\0"s;
                std::string reply =
                    StoreLinks::encode(request->type, static_cast<uint32_t>(m->header.request_id), answer);
                (void)wire::send(sfd_fd, wire::Type::Store, m->header.request_id, m->header.guest_id, reply,
                                 wire::kRawPayload);
            }
        });
    }

    int worker_fd = -1, sfd_fd = -1;
    std::thread reader, sfd;
    std::vector<vmm::StoreMessage> seen_requests;
};

} // namespace

TEST(StoreLinkCodec, EncodesAndDecodesXenStoreMessages) {
    const std::string m = StoreLinks::encode(vmm::xs::kWrite, 7, "a\0b"s);
    ASSERT_EQ(m.size(), 16u + 3);
    uint32_t header[4];
    std::memcpy(header, m.data(), sizeof header);
    EXPECT_EQ(header[0], 11u);
    EXPECT_EQ(header[1], 7u);
    EXPECT_EQ(header[2], 0u);
    EXPECT_EQ(header[3], 3u);
    Result<vmm::StoreMessage> back = StoreLinks::decode(m);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->type, vmm::xs::kWrite);
    EXPECT_EQ(back->payload, "a\0b"s);
    EXPECT_FALSE(StoreLinks::decode(m.substr(0, 10)));                                  // truncated header
    EXPECT_FALSE(StoreLinks::decode(m + "x"));                                          // length mismatch
    EXPECT_FALSE(StoreLinks::decode(StoreLinks::encode(2, 1, std::string(4097, 'v')))); // over the limit
}

TEST_F(StoreLinkTest, RequestsReachSfdAndRepliesFindTheirGuest) {
    auto links = make_links();
    auto port1 = links->open(1, nullptr);
    auto port2 = links->open(2, nullptr);
    ASSERT_TRUE(port1 && port2);
    serve(3);
    Result<vmm::StoreMessage> r1 = (*port1)->request(vmm::xs::kRead, "data/a\0"s);
    Result<vmm::StoreMessage> r2 = (*port2)->request(vmm::xs::kRead, "data/b\0"s);
    Result<vmm::StoreMessage> w = (*port1)->request(vmm::xs::kWrite, "data/a\0v"s);
    ASSERT_TRUE(r1 && r2 && w);
    EXPECT_EQ(r1->payload, "value of data/a for guest 1");
    EXPECT_EQ(r2->payload, "value of data/b for guest 2");
    EXPECT_EQ(w->type, vmm::xs::kWrite);
    EXPECT_EQ(w->payload, "OK\0"s);
    sfd.join();
    ASSERT_EQ(seen_requests.size(), 3u);
    EXPECT_EQ(seen_requests[2].payload, "data/a\0v"s);
    EXPECT_EQ(links->stats()["replies"], 3);
}

TEST_F(StoreLinkTest, ConcurrentGuestsGetTheirOwnReplies) {
    auto links = make_links();
    constexpr int kGuests = 4, kEach = 25;
    std::vector<std::shared_ptr<vmm::StorePort>> ports;
    for (int g = 1; g <= kGuests; ++g)
        ports.push_back(links->open(static_cast<uint64_t>(g), nullptr).value());
    serve(kGuests * kEach);
    std::atomic<int> wrong{0};
    std::vector<std::thread> runners;
    for (int g = 1; g <= kGuests; ++g)
        runners.emplace_back([&, g] {
            for (int i = 0; i < kEach; ++i) {
                const std::string path = fmt::format("k{}", i);
                auto r = ports[static_cast<size_t>(g - 1)]->request(vmm::xs::kRead, path + '\0');
                if (!r || r->payload != fmt::format("value of {} for guest {}", path, g)) ++wrong;
            }
        });
    for (auto& t : runners)
        t.join();
    EXPECT_EQ(wrong, 0);
}

TEST_F(StoreLinkTest, NoReplyTimesOutAndALateReplyIsDropped) {
    auto links = make_links(150ms);
    auto port = links->open(5, nullptr).value();
    const auto start = std::chrono::steady_clock::now();
    Result<vmm::StoreMessage> r = port->request(vmm::xs::kRead, "data/x\0"s);
    EXPECT_FALSE(r);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
    EXPECT_NE(r.error().message.find("no answer"), std::string::npos) << r.error().message;
    // sfd answers now: nobody waits for it.
    Result<wire::Message> request = wire::receive(sfd_fd);
    ASSERT_TRUE(request);
    const std::string reply = StoreLinks::encode(vmm::xs::kRead, 1, "late");
    ASSERT_TRUE(
        wire::send(sfd_fd, wire::Type::Store, request->header.request_id, 5, reply, wire::kRawPayload));
    for (int i = 0; i < 100 && links->stats()["unmatched"] != 1; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(links->stats()["timeouts"], 1);
    EXPECT_EQ(links->stats()["unmatched"], 1);
    EXPECT_EQ(port->stats().failures, 1u);
}

TEST_F(StoreLinkTest, AReplyForAnotherGuestDoesNotCount) {
    auto links = make_links(300ms);
    auto port = links->open(5, nullptr).value();
    std::thread answer([&] {
        Result<wire::Message> request = wire::receive(sfd_fd);
        if (!request) return;
        const std::string reply = StoreLinks::encode(vmm::xs::kRead, 1, "stolen");
        (void)wire::send(sfd_fd, wire::Type::Store, request->header.request_id, 6, reply, wire::kRawPayload);
    });
    EXPECT_FALSE(port->request(vmm::xs::kRead, "data/x\0"s));
    answer.join();
    EXPECT_EQ(links->stats()["unmatched"], 1);
}

TEST_F(StoreLinkTest, CloseFailsAWaitingRequestAtOnce) {
    auto links = make_links(10s);
    auto port = links->open(8, nullptr).value();
    std::thread closer([&] {
        (void)wire::receive(sfd_fd); // the request is out: the guest waits
        links->close(8);
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(port->request(vmm::xs::kRead, "data/x\0"s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    closer.join();
    EXPECT_FALSE(port->request(vmm::xs::kRead, "data/x\0"s)); // and later ones
}

TEST_F(StoreLinkTest, WatchEventsQueueOnTheGuestsPortAndWakeIt) {
    auto links = make_links();
    std::atomic<int> wakes{0};
    auto port = links->open(3, [&] { ++wakes; }).value();
    const std::string event =
        StoreLinks::encode(vmm::xs::kWatchEvent, 0, "/local/domain/3/data/page\0page\0"s);
    ASSERT_TRUE(wire::send(sfd_fd, wire::Type::Store, 0, 3, event, wire::kRawPayload));
    ASSERT_TRUE(wire::send(sfd_fd, wire::Type::Store, 0, 99, event, wire::kRawPayload)); // no such guest
    const std::string not_event = StoreLinks::encode(vmm::xs::kRead, 0, "x");
    ASSERT_TRUE(wire::send(sfd_fd, wire::Type::Store, 0, 3, not_event, wire::kRawPayload));
    for (int i = 0; i < 100 && links->stats()["events_dropped"] != 2; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(wakes, 1);
    EXPECT_TRUE(port->events_pending());
    vmm::StorePort::Taken taken = port->take_event(4096);
    EXPECT_TRUE(taken.fitted);
    EXPECT_EQ(taken.payload, "/local/domain/3/data/page\0page\0"s);
    EXPECT_EQ(links->stats()["events"], 1);
    EXPECT_EQ(links->stats()["events_dropped"], 2);
}

TEST_F(StoreLinkTest, OneLinkPerGuestAndPortsMayOutliveTheLinks) {
    auto links = make_links();
    auto port = links->open(4, nullptr).value();
    Result<std::shared_ptr<vmm::StorePort>> again = links->open(4, nullptr);
    EXPECT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
    ::shutdown(worker_fd, SHUT_RD); // stop the reader before the links go
    reader.join();
    links.reset();
    EXPECT_FALSE(port->request(vmm::xs::kRead, "data/x\0"s));
}

// After a restarted sfd adopts the worker, each guest's accepted watches (not
// the removed ones) are registered again; their replies wait for nobody.
TEST_F(StoreLinkTest, AcceptedWatchesAreReplayedForARestartedSfd) {
    auto links = make_links();
    auto port1 = links->open(1, nullptr);
    auto port2 = links->open(2, nullptr);
    ASSERT_TRUE(port1 && port2);
    serve(4 + 2); // three watches and an unwatch, then the two replayed
    ASSERT_TRUE((*port1)->request(vmm::xs::kWatch, "data/page\0page\0"s));
    ASSERT_TRUE((*port1)->request(vmm::xs::kWatch, "data/gone\0g\0"s));
    ASSERT_TRUE((*port2)->request(vmm::xs::kWatch, "data/knob\0k\0"s));
    ASSERT_TRUE((*port1)->request(vmm::xs::kUnwatch, "data/gone\0g\0"s));
    EXPECT_EQ(links->replay_watches(), 2u);
    sfd.join();
    ASSERT_EQ(seen_requests.size(), 6u);
    EXPECT_EQ(seen_requests[4].type, vmm::xs::kWatch);
    EXPECT_EQ(seen_requests[4].payload, "data/page\0page\0"s);
    EXPECT_EQ(seen_requests[5].payload, "data/knob\0k\0"s);
    for (int i = 0; i < 200 && links->stats()["replays_unanswered"] != 0; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(links->stats()["replays_unanswered"], 0);
    EXPECT_EQ(links->stats()["unmatched"], 0) << "the replayed watches' replies are expected";
    EXPECT_EQ(links->stats()["watches_replayed"], 2);
}
