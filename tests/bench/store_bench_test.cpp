// Unit tests of sf-bench store's parts: nearest-rank percentiles, the latency
// summary, the report's JSON and text; and, against a fake store on a unix
// socket that refuses some requests, that the populate step checks every
// write's reply, counts conflicts, and that the latency client counts error
// replies.
#include "bench/common/stats.h"
#include "bench/store/store_latency.h"
#include "bench/store/store_layout.h"
#include "bench/store/store_populate.h"
#include "bench/store/store_report.h"

#include "common/unix_socket.h"
#include "store/wire.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <thread>

namespace sf::bench {
namespace {

using store::wire::Message;
using store::wire::MsgType;

std::vector<double> one_to(int n) {
    std::vector<double> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 1.0);
    return v;
}

TEST(BenchStoreStats, NearestRankOfOneToAThousand) {
    const std::vector<double> v = one_to(1000);
    EXPECT_DOUBLE_EQ(nearest_rank(v, 0.5), 500);
    EXPECT_DOUBLE_EQ(nearest_rank(v, 0.9), 900);
    EXPECT_DOUBLE_EQ(nearest_rank(v, 0.99), 990);
    EXPECT_DOUBLE_EQ(nearest_rank(v, 0.999), 999);
    EXPECT_DOUBLE_EQ(nearest_rank(v, 1.0), 1000);
    EXPECT_DOUBLE_EQ(nearest_rank(one_to(10), 0.9), 9);
    EXPECT_DOUBLE_EQ(nearest_rank(one_to(10), 0.91), 10);
}

TEST(BenchStoreStats, NearestRankOfFewSamples) {
    EXPECT_DOUBLE_EQ(nearest_rank({}, 0.5), 0);
    EXPECT_DOUBLE_EQ(nearest_rank({7}, 0.001), 7);
    EXPECT_DOUBLE_EQ(nearest_rank({7}, 0.999), 7);
    EXPECT_DOUBLE_EQ(nearest_rank({1, 2}, 0.5), 1);
    EXPECT_DOUBLE_EQ(nearest_rank({1, 2}, 0.51), 2);
    EXPECT_DOUBLE_EQ(nearest_rank(one_to(100), 0.999), 100); // p99.9 of 100 samples is the max
}

TEST(BenchStoreLatency, SummaryOfShuffledSamples) {
    std::vector<double> v = one_to(2000);
    std::shuffle(v.begin(), v.end(), std::mt19937(3));
    const LatencySummary s = summarize_latency(v);
    EXPECT_EQ(s.count, 2000u);
    EXPECT_DOUBLE_EQ(s.p50, 1000);
    EXPECT_DOUBLE_EQ(s.p90, 1800);
    EXPECT_DOUBLE_EQ(s.p99, 1980);
    EXPECT_DOUBLE_EQ(s.p99_9, 1998);
    EXPECT_DOUBLE_EQ(s.max, 2000);
    const LatencySummary none = summarize_latency({});
    EXPECT_EQ(none.count, 0u);
    EXPECT_DOUBLE_EQ(none.max, 0);
}

TEST(BenchStoreLatency, JsonRoundsToATenth) {
    const nlohmann::json j = to_json(summarize_latency({10.04, 20.06, 30}));
    EXPECT_EQ(j["count"], 3);
    EXPECT_DOUBLE_EQ(j["p50"].get<double>(), 20.1);
    EXPECT_DOUBLE_EQ(j["max"].get<double>(), 30);
    for (const char* key : {"p50", "p90", "p99", "p99_9", "max"})
        EXPECT_TRUE(j.contains(key)) << key;
}

StoreFigures sample_figures() {
    StoreFigures f;
    f.read_ops_s = 400000;
    f.write_ops_s = 250000;
    f.txn_commits_s = 100000;
    f.watch_fanout_ms = 3.5;
    f.read_latency_us = summarize_latency({20, 30, 40});
    f.write_latency_us = summarize_latency({25, 35, 45});
    f.populate_s = 1.5;
    return f;
}

TEST(BenchStoreReport, JsonCountsEveryPhase) {
    StoreFigures f = sample_figures();
    f.counts.populate_errors = 1;
    f.counts.read_errors = 2;
    f.counts.write_errors = 3;
    f.counts.txn_errors = 4;
    f.counts.latency_read_errors = 5;
    f.counts.latency_write_errors = 6;
    f.counts.populate_conflicts = 7;
    f.counts.txn_conflicts = 8;
    const nlohmann::json j = to_json(f, StoreRunInfo{});
    EXPECT_EQ(j["errors"], 21);
    EXPECT_EQ(j["conflicts"], 15);
    EXPECT_EQ(j["populate_errors"], 1);
    EXPECT_EQ(j["latency_write_errors"], 6);
    EXPECT_EQ(j["txn_conflicts"], 8);
    EXPECT_DOUBLE_EQ(j["read_latency_us"]["p50"].get<double>(), 30);
    EXPECT_DOUBLE_EQ(j["write_latency_us"]["max"].get<double>(), 45);
    EXPECT_DOUBLE_EQ(j["read_ops_s"].get<double>(), 400000);
    EXPECT_EQ(j["backend"], "mem");
    EXPECT_EQ(j["window"], 32);
}

TEST(BenchStoreReport, TextSaysTheCountsAlsoWhenZero) {
    const std::string healthy = format_text(sample_figures(), StoreRunInfo{});
    EXPECT_NE(healthy.find("error replies: 0 (populate 0, reads 0"), std::string::npos) << healthy;
    EXPECT_NE(healthy.find("conflicts: 0"), std::string::npos) << healthy;
    EXPECT_NE(healthy.find("p99.9"), std::string::npos) << healthy;
    EXPECT_EQ(healthy.find("first failed write"), std::string::npos) << healthy;

    StoreFigures f = sample_figures();
    f.counts.populate_errors = 2;
    f.counts.txn_conflicts = 1;
    f.counts.populate_first_error = "WRITE /local/domain/1/name: EACCES";
    const std::string text = format_text(f, StoreRunInfo{});
    EXPECT_NE(text.find("error replies: 2 (populate 2,"), std::string::npos) << text;
    EXPECT_NE(text.find("conflicts: 1 (populate 0, txns 1)"), std::string::npos) << text;
    EXPECT_NE(text.find("WRITE /local/domain/1/name: EACCES"), std::string::npos) << text;
}

// A store on a unix socket, one connection at a time, that answers like
// sfstore except: a WRITE of any key ending in `refused_leaf` gets EACCES, the
// first `conflicts` commits get EAGAIN, and a READ of a guest above
// `existing_guests` gets ENOENT.
class FakeStore {
  public:
    FakeStore(std::string refused_leaf, int conflicts, int existing_guests)
        : refused_(std::move(refused_leaf)), conflicts_(conflicts), existing_(existing_guests) {
        const char* tmp = std::getenv("TMPDIR");
        dir_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/sf-bench-store-test-XXXXXX";
        EXPECT_NE(::mkdtemp(dir_.data()), nullptr);
        path_ = dir_ + "/store.sock";
        listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto address = unix_address(path_);
        EXPECT_TRUE(address.ok());
        EXPECT_EQ(::bind(listener_, reinterpret_cast<const sockaddr*>(&*address), sizeof *address), 0);
        EXPECT_EQ(::listen(listener_, 4), 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeStore() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    const std::string& path() const { return path_; }

  private:
    void serve() {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            serve_connection(fd);
            ::close(fd);
        }
    }
    void serve_connection(int fd) {
        store::wire::Parser parser;
        char buffer[64 * 1024];
        while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) return;
            parser.feed(std::string_view(buffer, size_t(n)));
            std::string out;
            store::wire::MessageView m;
            while (parser.next(m) == store::wire::Parser::Status::Message)
                answer(m, out);
            if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != ssize_t(out.size())) return;
        }
    }
    void answer(const store::wire::MessageView& m, std::string& out) {
        const std::string path(m.payload.substr(0, m.payload.find('\0')));
        switch (static_cast<MsgType>(m.header.type)) {
        case MsgType::TransactionStart:
            return store::wire::append_reply(out, m.header, MsgType::TransactionStart,
                                             std::string_view("7\0", 2));
        case MsgType::TransactionEnd:
            if (conflicts_ > 0) {
                --conflicts_;
                return store::wire::append_error(out, m.header, store::StoreError::Again);
            }
            break;
        case MsgType::Write:
            if (path.ends_with("/" + refused_))
                return store::wire::append_error(out, m.header, store::StoreError::Access);
            break;
        case MsgType::Read:
            if (std::atoi(path.c_str() + std::string_view("/local/domain/").size()) > existing_)
                return store::wire::append_error(out, m.header, store::StoreError::NotFound);
            return store::wire::append_reply(out, m.header, MsgType::Read, "x");
        default: break;
        }
        store::wire::append_reply(out, m.header, static_cast<MsgType>(m.header.type),
                                  std::string_view("OK\0", 3));
    }

    std::string refused_;
    int conflicts_;
    int existing_;
    std::string dir_, path_;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST(BenchStorePopulate, EveryWriteIsCheckedAndConflictsRetried) {
    FakeStore store("reason", 2, 1000);
    auto populated = populate_store(store.path(), 120); // 3 transactions of <= 50 guests, 2 retried
    ASSERT_TRUE(populated.ok()) << populated.error().message;
    const uint64_t leaves = kGuestLeaves.size();
    EXPECT_EQ(populated->conflicts, 2u);
    EXPECT_EQ(populated->writes, (120 + 2 * 50) * leaves); // the first transaction ran three times
    EXPECT_EQ(populated->errors, 120u + 2 * 50);           // every "reason" write, retries included
    EXPECT_EQ(populated->first_error, "WRITE /local/domain/1/reason: EACCES");
}

TEST(BenchStorePopulate, AHealthyStoreHasNoErrors) {
    FakeStore store("no-such-leaf", 0, 1000);
    auto populated = populate_store(store.path(), 60);
    ASSERT_TRUE(populated.ok()) << populated.error().message;
    EXPECT_EQ(populated->errors, 0u);
    EXPECT_EQ(populated->conflicts, 0u);
    EXPECT_EQ(populated->writes, 60 * kGuestLeaves.size());
    EXPECT_TRUE(populated->first_error.empty());
}

TEST(BenchStorePopulate, TooManyConflictsAreAnError) {
    FakeStore store("no-such-leaf", 100, 1000);
    auto populated = populate_store(store.path(), 10);
    ASSERT_FALSE(populated.ok());
    EXPECT_NE(populated.error().message.find("conflicted"), std::string::npos) << populated.error().message;
}

TEST(BenchStoreLatency, ErrorRepliesAreCountedAndTimed) {
    FakeStore store("state", 0, 50); // guests 51-100 do not exist: about half the reads fail
    LoadSpec spec;
    spec.socket_path = store.path();
    spec.guests = 100;
    spec.seconds = 0.2;
    LatencySamples reads;
    ASSERT_TRUE(measure_latency(LoadKind::Reads, spec, reads).ok());
    ASSERT_GT(reads.us.size(), 50u);
    EXPECT_GT(reads.errors, reads.us.size() / 4);
    EXPECT_LT(reads.errors, reads.us.size() * 3 / 4);
    for (double us : reads.us)
        EXPECT_GT(us, 0);

    LatencySamples writes;
    ASSERT_TRUE(measure_latency(LoadKind::Writes, spec, writes).ok());
    ASSERT_GT(writes.us.size(), 50u);
    // One leaf in 14 is "state", refused.
    EXPECT_GT(writes.errors, 0u);
    EXPECT_LT(writes.errors, writes.us.size() / 4);
}

} // namespace
} // namespace sf::bench
