// superfluid tests: StoreServer over a real unix socket, driven by StoreClient.
#include "wire_test_support.h"

#include "store/store_client.h"
#include "store/store_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include <thread>

namespace sf::store {
namespace {

using namespace std::chrono_literals;
using test::nul;
using wire::MsgType;

class WireServer : public ::testing::Test {
  protected:
    void SetUp() override {
        options_.socket_path = dir_.path() + "/store.sock";
        auto server = StoreServer::start(*store_, options_);
        ASSERT_TRUE(server) << server.error().message;
        server_ = std::move(*server);
    }
    std::unique_ptr<StoreClient> client() {
        auto c = StoreClient::connect(options_.socket_path);
        EXPECT_TRUE(c) << c.error().message;
        return c ? std::move(*c) : nullptr;
    }
    static std::string raw(uint32_t type, uint32_t req_id, const std::string& payload,
                           uint32_t len_override = 0) {
        std::string bytes;
        wire::append_message(bytes, type, req_id, 0, payload);
        if (len_override) std::memcpy(bytes.data() + 12, &len_override, 4);
        return bytes;
    }
    // The next message on `c`, failing the test on timeout.
    static wire::Message next(StoreClient& c) {
        auto m = c.receive(2s);
        EXPECT_TRUE(m) << m.error().message;
        EXPECT_TRUE(m && *m) << "timed out";
        return m && *m ? **m : wire::Message{};
    }
    // Whether the server closed `c` (end of stream within the timeout).
    static bool closed(StoreClient& c) {
        auto m = c.receive(2s);
        return !m;
    }
    template <typename F> static bool eventually(F condition) {
        for (int i = 0; i < 200; ++i) {
            if (condition()) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    test::TempDir dir_;
    std::unique_ptr<Store> store_ = test::make_store();
    StoreServerOptions options_;
    std::unique_ptr<StoreServer> server_;
};

TEST_F(WireServer, SocketIsPrivateAndRemovedAtStop) {
    struct stat st {};
    ASSERT_EQ(::stat(options_.socket_path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    server_->stop();
    EXPECT_NE(::stat(options_.socket_path.c_str(), &st), 0);
}

TEST_F(WireServer, SecondServerOnALiveSocketIsRefusedAndAStaleOneReplaced) {
    auto second = StoreServer::start(*store_, options_);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("another server"), std::string::npos) << second.error().message;
    server_->stop();
    // A stale socket file (bound, nobody listening) is replaced.
    UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, options_.socket_path.c_str());
    ASSERT_EQ(::bind(stale.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    auto third = StoreServer::start(*store_, options_);
    ASSERT_TRUE(third) << third.error().message;
    auto c = client();
    EXPECT_TRUE(c->write("/ok", "1"));
}

TEST_F(WireServer, TypedOperationsOverTheSocket) {
    auto c = client();
    ASSERT_TRUE(c->write("/vm/1/name", "alpha"));
    EXPECT_EQ(*c->read("/vm/1/name"), "alpha");
    EXPECT_EQ(c->read("/vm/none").error(), StoreError::NotFound);
    ASSERT_TRUE(c->mkdir("/vm/2"));
    EXPECT_EQ(*c->directory("/vm"), (std::vector<std::string>{"1", "2"}));
    ASSERT_TRUE(c->set_perms("/vm/1", *Permissions::parse(nul("n1", "r2"))));
    EXPECT_EQ(c->get_perms("/vm/1")->to_wire(), nul("n1", "r2"));
    ASSERT_TRUE(c->rm("/vm"));
    EXPECT_EQ(c->directory("/vm").error(), StoreError::NotFound);
}

TEST_F(WireServer, PipelinedRequestsAreAnsweredInOrder) {
    auto c = client();
    std::vector<RawRequest> writes, reads;
    for (int i = 0; i < 2000; ++i) {
        writes.push_back({MsgType::Write, 0, nul("/pipe/" + std::to_string(i)) + std::to_string(i * 7)});
        reads.push_back({MsgType::Read, 0, nul("/pipe/" + std::to_string(i))});
    }
    auto acks = c->batch(writes);
    ASSERT_TRUE(acks) << acks.error().message;
    for (auto& ack : *acks)
        ASSERT_EQ(ack.payload, nul("OK"));
    auto values = c->batch(reads);
    ASSERT_TRUE(values) << values.error().message;
    ASSERT_EQ(values->size(), 2000u);
    for (int i = 0; i < 2000; ++i)
        ASSERT_EQ((*values)[static_cast<size_t>(i)].payload, std::to_string(i * 7));
    EXPECT_GE(server_->stats().requests, 4000u);
}

TEST_F(WireServer, EventsGoToTheWatchingClientOnly) {
    auto a = client();
    auto b = client();
    ASSERT_TRUE(a->watch("/a", "ta"));
    ASSERT_TRUE(b->watch("/b", "tb"));
    auto first_a = a->wait_event(2s);
    ASSERT_TRUE(first_a && *first_a);
    EXPECT_EQ((*first_a)->path, "/a");
    EXPECT_EQ((*first_a)->token, "ta");
    auto first_b = b->wait_event(2s);
    ASSERT_TRUE(first_b && *first_b);
    EXPECT_EQ((*first_b)->path, "/b");

    auto writer = client();
    ASSERT_TRUE(writer->write("/a/x", "1"));
    auto ev = a->wait_event(2s);
    ASSERT_TRUE(ev && *ev);
    EXPECT_EQ((*ev)->path, "/a/x");
    EXPECT_EQ((*ev)->token, "ta");
    auto none = b->wait_event(200ms);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST_F(WireServer, EventsFromChangesMadeOnAnotherThreadArrive) {
    auto c = client();
    ASSERT_TRUE(c->watch("/direct", "d"));
    ASSERT_TRUE(c->wait_event(2s).value());
    auto direct = store_->connect(kDom0, true, nullptr);
    std::thread([&] { ASSERT_TRUE(store_->write(direct, 0, "/direct/k", "v")); }).join();
    auto ev = c->wait_event(2s);
    ASSERT_TRUE(ev && *ev);
    EXPECT_EQ((*ev)->path, "/direct/k");
    EXPECT_EQ((*ev)->token, "d");
}

TEST_F(WireServer, MalformedRequestsGetErrorsAndTheClientStays) {
    auto c = client();
    ASSERT_TRUE(c->send_bytes(raw(99, 1, nul("/x"))));
    EXPECT_EQ(next(*c).payload, nul("ENOSYS"));
    ASSERT_TRUE(c->send_bytes(raw(2, 2, "/x-without-nul")));
    EXPECT_EQ(next(*c).payload, nul("EINVAL"));
    ASSERT_TRUE(c->send_bytes(raw(11, 3, nul("/bad path") + "v")));
    EXPECT_EQ(next(*c).payload, nul("EINVAL"));
    std::string deep;
    for (int i = 0; i < 100; ++i)
        deep += "/d";
    ASSERT_TRUE(c->send_bytes(raw(11, 4, nul(deep) + "v")));
    auto reply = next(*c);
    EXPECT_EQ(reply.type(), MsgType::Error);
    EXPECT_EQ(reply.payload, nul("EINVAL"));
    EXPECT_EQ(reply.header.req_id, 4u);
    ASSERT_TRUE(c->write("/still", "here"));
    EXPECT_EQ(*c->read("/still"), "here");
}

TEST_F(WireServer, TooLongMessageIsE2bigThenClosedAndOthersUnaffected) {
    auto bystander = client();
    ASSERT_TRUE(bystander->write("/by", "1"));
    auto c = client();
    ASSERT_TRUE(c->send_bytes(raw(11, 7, nul("/x") + "v", 5000)));
    auto reply = next(*c);
    EXPECT_EQ(reply.type(), MsgType::Error);
    EXPECT_EQ(reply.header.req_id, 7u);
    EXPECT_EQ(reply.payload, nul("E2BIG"));
    EXPECT_TRUE(closed(*c));
    EXPECT_EQ(*bystander->read("/by"), "1");
    EXPECT_EQ(store_->read(store_->connect(kDom0, true), 0, "/x").error(), StoreError::NotFound);
}

TEST_F(WireServer, TruncatedHeaderAtEndOfStreamIsEinvalThenClosed) {
    auto c = client();
    ASSERT_TRUE(c->send_bytes(std::string_view("\x02\x00\x00\x00\x05\x00", 6)));
    c->shutdown_send();
    auto reply = next(*c);
    EXPECT_EQ(reply.type(), MsgType::Error);
    EXPECT_EQ(reply.payload, nul("EINVAL"));
    EXPECT_TRUE(closed(*c));
    EXPECT_TRUE(eventually([&] { return server_->stats().clients == 0; }));
    EXPECT_EQ(server_->stats().protocol_errors, 1u);
}

TEST_F(WireServer, ClientVanishingMidTransactionLeavesNothing) {
    auto observer = client();
    {
        auto c = client();
        auto tx = c->transaction_start();
        ASSERT_TRUE(tx);
        ASSERT_TRUE(c->write("/half/done", "x", *tx));
        EXPECT_EQ(store_->stats().transactions, 1u);
    } // the client's socket closes here
    EXPECT_TRUE(eventually([&] { return store_->stats().transactions == 0; }));
    EXPECT_EQ(observer->read("/half/done").error(), StoreError::NotFound);
    EXPECT_EQ(observer->read("/half").error(), StoreError::NotFound);
    ASSERT_TRUE(observer->write("/after", "ok"));
}

TEST_F(WireServer, TransactionsOverTheSocket) {
    auto c = client();
    auto other = client();
    auto tx = c->transaction_start();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(c->write("/tx/k", "v", *tx));
    EXPECT_EQ(other->read("/tx/k").error(), StoreError::NotFound);
    ASSERT_TRUE(c->transaction_end(*tx, true));
    EXPECT_EQ(*other->read("/tx/k"), "v");
    auto aborted = c->transaction_start();
    ASSERT_TRUE(c->write("/tx/k", "nope", *aborted));
    ASSERT_TRUE(c->transaction_end(*aborted, false));
    EXPECT_EQ(*other->read("/tx/k"), "v");
}

TEST_F(WireServer, ClientThatDoesNotReadItsEventsIsDisconnected) {
    server_->stop();
    options_.max_output_bytes = 64 * 1024;
    auto server = StoreServer::start(*store_, options_);
    ASSERT_TRUE(server);
    auto lazy = client();
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(lazy->watch("/flood", "t" + std::to_string(i)));
    auto writer = client();
    for (int i = 0; i < 200 && (*server)->stats().overflows == 0; ++i)
        ASSERT_TRUE(writer->write("/flood/k", std::string(1000, 'x')));
    EXPECT_TRUE(eventually([&] { return (*server)->stats().overflows == 1; }));
    EXPECT_TRUE(eventually([&] { return store_->stats().watches == 0; }));
    ASSERT_TRUE(writer->write("/flood/k", "alive"));
}

} // namespace
} // namespace sf::store
