// Unit tests: the worker's LongOperations (src/host/worker/long_operations.h):
// jobs on their own threads, one per guest, replies with their request ids,
// cancel() unblocking a job stuck on its socket. No KVM.
#include "host/worker/long_operations.h"

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <map>
#include <mutex>

using namespace sf;
using namespace sf::host;
using namespace std::chrono_literals;

namespace {

struct Replies {
    std::mutex mutex;
    std::condition_variable cv;
    std::map<uint64_t, LongOperations::Outcome> by_request;

    LongOperations::ReplyFn fn() {
        return [this](uint64_t request_id, const LongOperations::Outcome& outcome) {
            std::lock_guard lock(mutex);
            by_request.emplace(request_id, outcome);
            cv.notify_all();
        };
    }
    LongOperations::Outcome wait(uint64_t request_id) {
        std::unique_lock lock(mutex);
        if (!cv.wait_for(lock, 5s, [&] { return by_request.contains(request_id); }))
            return error("no reply to request {}", request_id);
        return by_request.at(request_id);
    }
};

std::pair<UniqueFd, UniqueFd> socket_pair() {
    int fds[2] = {-1, -1};
    (void)::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

} // namespace

TEST(LongOperations, RunsAJobAndRepliesWithItsRequestId) {
    Replies replies;
    LongOperations operations(replies.fn());
    auto [mine, peer] = socket_pair();
    ASSERT_TRUE(
        operations.launch(4, 77, std::move(mine), [](int fd, std::stop_token) -> LongOperations::Outcome {
            if (::write(fd, "x", 1) != 1) return error("write failed");
            return worker_api::encode_reply(worker_api::Done{});
        }));
    LongOperations::Outcome reply = replies.wait(77);
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(reply->payload, R"({"ok":true})");
    char byte = 0;
    EXPECT_EQ(::read(peer.get(), &byte, 1), 1);
    EXPECT_FALSE(operations.busy(4));
}

TEST(LongOperations, OneOperationPerGuest) {
    Replies replies;
    LongOperations operations(replies.fn());
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    auto [a, a_peer] = socket_pair();
    ASSERT_TRUE(
        operations.launch(1, 10, std::move(a), [released](int, std::stop_token) -> LongOperations::Outcome {
            released.wait();
            return worker_api::encode_reply(worker_api::Done{});
        }));
    EXPECT_TRUE(operations.busy(1));
    auto [b, b_peer] = socket_pair();
    Result<void> second =
        operations.launch(1, 11, std::move(b), [](int, std::stop_token) -> LongOperations::Outcome {
            return worker_api::encode_reply(worker_api::Done{});
        });
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, ErrorKind::Conflict);
    auto [c, c_peer] = socket_pair(); // another guest is fine
    ASSERT_TRUE(operations.launch(2, 12, std::move(c), [](int, std::stop_token) -> LongOperations::Outcome {
        return worker_api::encode_reply(worker_api::Done{});
    }));
    EXPECT_TRUE(replies.wait(12));
    release.set_value();
    EXPECT_TRUE(replies.wait(10));
    auto [d, d_peer] = socket_pair(); // and after the first ended, guest 1 again
    ASSERT_TRUE(operations.launch(1, 13, std::move(d), [](int, std::stop_token) -> LongOperations::Outcome {
        return worker_api::encode_reply(worker_api::Done{});
    }));
    EXPECT_TRUE(replies.wait(13));
}

TEST(LongOperations, CancelUnblocksAJobWaitingOnItsSocket) {
    Replies replies;
    LongOperations operations(replies.fn());
    auto [mine, peer] = socket_pair(); // the peer never writes
    ASSERT_TRUE(operations.launch(
        3, 20, std::move(mine), [](int fd, std::stop_token stop) -> LongOperations::Outcome {
            char byte;
            const ssize_t n = ::read(fd, &byte, 1); // blocks until cancel() shuts the socket down
            if (n <= 0 && stop.stop_requested()) return error("cancelled");
            return worker_api::encode_reply(worker_api::Done{});
        }));
    EXPECT_TRUE(operations.busy(3));
    const auto before = std::chrono::steady_clock::now();
    operations.cancel(3);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    EXPECT_FALSE(operations.busy(3));
    LongOperations::Outcome reply = replies.wait(20);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().message, "cancelled");
}

// sfd keeps using a migration's connection after the worker's part: a cancel
// (the departed guest destroyed) after the job ended must not shut it down.
TEST(LongOperations, CancelAfterTheJobEndedLeavesItsSocketUsable) {
    Replies replies;
    LongOperations operations(replies.fn());
    auto [mine, peer] = socket_pair();
    UniqueFd kept(::dup(mine.get())); // sfd's own descriptor of the same socket
    ASSERT_TRUE(kept.valid());
    ASSERT_TRUE(
        operations.launch(5, 30, std::move(mine), [](int, std::stop_token) -> LongOperations::Outcome {
            return worker_api::encode_reply(worker_api::Done{});
        }));
    ASSERT_TRUE(replies.wait(30));
    operations.cancel(5);
    ASSERT_EQ(::write(kept.get(), "y", 1), 1) << "the socket was shut down";
    char byte = 0;
    EXPECT_EQ(::read(peer.get(), &byte, 1), 1);
    EXPECT_EQ(byte, 'y');
}
