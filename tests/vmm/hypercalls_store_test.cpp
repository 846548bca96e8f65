// Unit tests: the store hypercall (SF_HC_STORE) and the StorePort device
// against plain guest memory and a fake transport (no KVM, no store).
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

#include "common/unique_fd.h"

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

using namespace sf::vmm;
using namespace std::string_literals;

namespace {

class NullConsole final : public ConsoleSink {
  public:
    void write(std::span<const uint8_t>) override {}
};

// Records every request and answers with the next scripted reply (or fails).
class FakeTransport final : public StoreTransport {
  public:
    sf::Result<StoreMessage> request(uint32_t type, std::string_view payload) override {
        sent.push_back({type, std::string(payload)});
        if (fail) return sf::error("no answer");
        return reply;
    }
    std::vector<StoreMessage> sent;
    StoreMessage reply{xs::kWrite, "OK\0"s};
    bool fail = false;
};

// How often this thread's code reads [address, address + length): a hardware
// watchpoint for reads and writes and one for writes (x86 has no read-only
// one), counted while enabled. Unavailable where perf_event_open is refused.
class ReadCounter {
  public:
    static std::unique_ptr<ReadCounter> watch(const void* address, uint64_t length) {
        auto counter = std::unique_ptr<ReadCounter>(new ReadCounter);
        counter->any_ = open_watchpoint(address, length, HW_BREAKPOINT_RW);
        counter->writes_ = open_watchpoint(address, length, HW_BREAKPOINT_W);
        if (!counter->any_.valid() || !counter->writes_.valid()) return nullptr;
        return counter;
    }
    // Runs `code` and returns how many of its instructions read the range.
    template <typename Code> long long reads_during(Code code) {
        for (int fd : {any_.get(), writes_.get()}) {
            ::ioctl(fd, PERF_EVENT_IOC_RESET, 0);
            ::ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
        }
        code();
        for (int fd : {any_.get(), writes_.get()})
            ::ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
        return count(any_) - count(writes_);
    }

  private:
    ReadCounter() = default;
    static sf::UniqueFd open_watchpoint(const void* address, uint64_t length, uint32_t type) {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_BREAKPOINT;
        attr.size = sizeof attr;
        attr.bp_type = type;
        attr.bp_addr = reinterpret_cast<uintptr_t>(address);
        attr.bp_len = length;
        attr.disabled = 1;
        attr.exclude_kernel = 1;
        attr.exclude_hv = 1;
        return sf::UniqueFd(
            static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC)));
    }
    static long long count(const sf::UniqueFd& fd) {
        long long n = 0;
        return ::read(fd.get(), &n, sizeof n) == sizeof n ? n : -1;
    }
    sf::UniqueFd any_, writes_;
};

class StoreHypercallTest : public ::testing::Test {
  protected:
    GuestMemory memory = std::move(GuestMemory::create(4ull << 20).value());
    GuestClock clock;
    NullConsole console;
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    StorePort port{transport};
    HypercallContext ctx{memory, clock, console, {}, &port};

    static constexpr uint64_t kArgs = SF_GUEST_BASE_GPA + 0x1000;
    static constexpr uint64_t kPath = SF_GUEST_BASE_GPA + 0x2000;
    static constexpr uint64_t kValue = SF_GUEST_BASE_GPA + 0x4000;

    sf_hc_store* args() { return reinterpret_cast<sf_hc_store*>(memory.host_base() + kArgs); }
    char* bytes(uint64_t gpa) { return reinterpret_cast<char*>(memory.host_base() + gpa); }
    void put(uint64_t gpa, const std::string& s) { std::memcpy(bytes(gpa), s.data(), s.size()); }

    // Runs one store op with `path` at kPath and `value` (or a value_len-byte buffer) at kValue.
    HypercallResult call(uint32_t op, const std::string& path, const std::string& value = {},
                         uint32_t buffer = 0) {
        put(kPath, path);
        put(kValue, value);
        *args() = {op,
                   1,
                   kPath,
                   static_cast<uint32_t>(path.size()),
                   buffer != 0 ? buffer : static_cast<uint32_t>(value.size()),
                   kValue};
        return dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    }
    std::string answer() { return std::string(bytes(kValue), args()->value_len); }
};

} // namespace

TEST_F(StoreHypercallTest, ReadSendsXsReadAndCopiesTheValue) {
    transport->reply = {xs::kRead, "<h1>hi</h1>"};
    EXPECT_EQ(call(SF_STORE_READ, "data/page", {}, 64).action, HypercallResult::Action::Continue);
    ASSERT_EQ(transport->sent.size(), 1u);
    EXPECT_EQ(transport->sent[0].type, xs::kRead);
    EXPECT_EQ(transport->sent[0].payload, "data/page\0"s);
    EXPECT_EQ(args()->ret, 0);
    EXPECT_EQ(args()->value_len, 11u);
    EXPECT_EQ(answer(), "<h1>hi</h1>");
}

TEST_F(StoreHypercallTest, ReadIntoASmallBufferGivesERangeAndTheFullSize) {
    transport->reply = {xs::kRead, "0123456789"};
    std::memset(bytes(kValue), 'x', 16);
    call(SF_STORE_READ, "data/x", {}, 4);
    EXPECT_EQ(args()->ret, -SF_ERANGE);
    EXPECT_EQ(args()->value_len, 10u);
    EXPECT_EQ(std::string(bytes(kValue), 4), "xxxx"); // nothing copied
}

TEST_F(StoreHypercallTest, WriteSendsPathNulValue) {
    call(SF_STORE_WRITE, "/local/domain/7/data/x", "v a\x01l");
    ASSERT_EQ(transport->sent.size(), 1u);
    EXPECT_EQ(transport->sent[0].type, xs::kWrite);
    EXPECT_EQ(transport->sent[0].payload, "/local/domain/7/data/x\0v a\x01l"s);
    EXPECT_EQ(args()->ret, 0);
}

TEST_F(StoreHypercallTest, WriteOfAnEmptyValueNeedsNoBuffer) {
    put(kPath, "data/e");
    *args() = {SF_STORE_WRITE, 1, kPath, 6, 0, 0};
    EXPECT_EQ(dispatch_hypercall(ctx, SF_HC_STORE, kArgs).action, HypercallResult::Action::Continue);
    EXPECT_EQ(args()->ret, 0);
    EXPECT_EQ(transport->sent.at(0).payload, "data/e\0"s);
}

TEST_F(StoreHypercallTest, RmListWatchUnwatchEncodings) {
    transport->reply = {xs::kRm, "OK\0"s};
    call(SF_STORE_RM, "data/x");
    EXPECT_EQ(args()->ret, 0);
    transport->reply = {xs::kDirectory, "a\0bb\0"s};
    call(SF_STORE_LIST, "data", {}, 64);
    EXPECT_EQ(args()->ret, 0);
    EXPECT_EQ(answer(), "a\0bb\0"s);
    transport->reply = {xs::kWatch, "OK\0"s};
    call(SF_STORE_WATCH, "data/page", "tok");
    EXPECT_EQ(args()->ret, 0);
    transport->reply = {xs::kUnwatch, "OK\0"s};
    call(SF_STORE_UNWATCH, "data/page", "tok");
    EXPECT_EQ(args()->ret, 0);
    ASSERT_EQ(transport->sent.size(), 4u);
    EXPECT_EQ(transport->sent[0].type, xs::kRm);
    EXPECT_EQ(transport->sent[0].payload, "data/x\0"s);
    EXPECT_EQ(transport->sent[1].type, xs::kDirectory);
    EXPECT_EQ(transport->sent[1].payload, "data\0"s);
    EXPECT_EQ(transport->sent[2].type, xs::kWatch);
    EXPECT_EQ(transport->sent[2].payload, "data/page\0tok\0"s);
    EXPECT_EQ(transport->sent[3].type, xs::kUnwatch);
    EXPECT_EQ(transport->sent[3].payload, "data/page\0tok\0"s);
}

TEST_F(StoreHypercallTest, StoreErrorsBecomeNegativeErrnos) {
    const std::pair<const char*, int32_t> cases[] = {
        {"ENOENT", -SF_ENOENT}, {"EACCES", -SF_EACCES}, {"ENOSPC", -SF_ENOSPC}, {"E2BIG", -SF_E2BIG},
        {"EINVAL", -SF_EINVAL}, {"EAGAIN", -SF_EAGAIN}, {"EEXIST", -SF_EEXIST}, {"EIO", -SF_EIO},
        {"EPERM", -SF_EPERM},   {"ENOSYS", -SF_ENOSYS}, {"EWHATEVER", -SF_EIO}};
    for (const auto& [name, code] : cases) {
        transport->reply = {xs::kError, std::string(name) + '\0'};
        call(SF_STORE_READ, "/local/domain/0/x", {}, 16);
        EXPECT_EQ(args()->ret, code) << name;
        EXPECT_EQ(args()->value_len, 0u) << name;
    }
}

TEST_F(StoreHypercallTest, NoAnswerOrAWrongReplyTypeIsEio) {
    transport->fail = true;
    call(SF_STORE_WRITE, "data/x", "1");
    EXPECT_EQ(args()->ret, -SF_EIO);
    transport->fail = false;
    transport->reply = {xs::kRead, "?"};
    call(SF_STORE_WRITE, "data/x", "1");
    EXPECT_EQ(args()->ret, -SF_EIO);
    EXPECT_EQ(port.stats().requests, 2u);
    EXPECT_EQ(port.stats().failures, 1u);
}

TEST_F(StoreHypercallTest, MalformedRequestsAreEinvalWithoutAskingTheStore) {
    call(SF_STORE_READ, "", {}, 16);
    EXPECT_EQ(args()->ret, -SF_EINVAL);
    call(SF_STORE_READ, "data\0x"s, {}, 16);
    EXPECT_EQ(args()->ret, -SF_EINVAL);
    call(SF_STORE_WATCH, "data", "to\0k"s);
    EXPECT_EQ(args()->ret, -SF_EINVAL);
    *args() = {99, 1, kPath, 4, 0, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, -SF_EINVAL);
    EXPECT_TRUE(transport->sent.empty());
}

TEST_F(StoreHypercallTest, RequestOverXenStoresPayloadLimitIsE2big) {
    call(SF_STORE_WRITE, std::string(SF_STORE_PATH_MAX, 'p'), std::string(2000, 'v'));
    EXPECT_EQ(args()->ret, -SF_E2BIG);
    EXPECT_TRUE(transport->sent.empty());
}

TEST_F(StoreHypercallTest, BadPointersAndLengthsEndTheGuest) {
    struct Case {
        sf_hc_store args;
        const char* reason;
    };
    const Case cases[] = {
        {{SF_STORE_READ, 0, kPath, SF_STORE_PATH_MAX + 1, 16, kValue}, "path of 3073 bytes exceeds"},
        {{SF_STORE_READ, 0, 0x3000, 8, 16, kValue}, "path [0x3000, +8) is outside"},
        {{SF_STORE_READ, 0, memory.size() - 4, 8, 16, kValue}, "is outside"},
        {{SF_STORE_READ, 0, kPath, 4, 64, memory.size() - 32}, "value buffer"},
        {{SF_STORE_READ, 0, kPath, 4, 16, SF_BOOT_INFO_GPA}, "value buffer"}, // readable, not writable
        {{SF_STORE_LIST, 0, kPath, 4, 0xffffffff, kValue}, "value buffer"},
        {{SF_STORE_WRITE, 0, kPath, 4, SF_STORE_VALUE_MAX + 1, kValue}, "value of 4097 bytes exceeds"},
        {{SF_STORE_WATCH, 0, kPath, 4, 8, 0x2000}, "value buffer"},
        {{SF_STORE_NEXT_EVENT, 0, 0, 0, 64, 0xfff00000}, "value buffer"},
    };
    for (const Case& c : cases) {
        *args() = c.args;
        HypercallResult r = dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
        EXPECT_EQ(r.action, HypercallResult::Action::Fault) << c.reason;
        EXPECT_NE(r.reason.find(c.reason), std::string::npos) << r.reason;
    }
    EXPECT_TRUE(transport->sent.empty());
    for (uint64_t gpa : {uint64_t{0}, uint64_t{0x3000}, kArgs + 4, memory.size() - 16}) {
        HypercallResult r = dispatch_hypercall(ctx, SF_HC_STORE, gpa);
        EXPECT_EQ(r.action, HypercallResult::Action::Fault);
        EXPECT_NE(r.reason.find("hypercall store: argument struct"), std::string::npos) << r.reason;
    }
}

TEST_F(StoreHypercallTest, AGuestWithoutAStoreGetsEnodev) {
    HypercallContext bare{memory, clock, console, {}};
    put(kPath, "data/x");
    *args() = {SF_STORE_READ, 1, kPath, 6, 16, kValue};
    EXPECT_EQ(dispatch_hypercall(bare, SF_HC_STORE, kArgs).action, HypercallResult::Action::Continue);
    EXPECT_EQ(args()->ret, -SF_ENODEV);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 16, kValue};
    dispatch_hypercall(bare, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, -SF_ENODEV);
    // Its mistakes still end it.
    *args() = {SF_STORE_READ, 1, 0x3000, 6, 16, kValue};
    EXPECT_EQ(dispatch_hypercall(bare, SF_HC_STORE, kArgs).action, HypercallResult::Action::Fault);
}

TEST_F(StoreHypercallTest, NextEventTakesQueuedEventsInOrder) {
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 64, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, -SF_EAGAIN);
    EXPECT_EQ(args()->value_len, 0u);
    port.push_event("data/page\0page\0"s);
    port.push_event("data/other\0t2\0"s);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 64, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, 0);
    EXPECT_EQ(answer(), "data/page\0page\0"s);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 64, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(answer(), "data/other\0t2\0"s);
    EXPECT_FALSE(port.events_pending());
    EXPECT_TRUE(transport->sent.empty()); // events never ask the store
}

TEST_F(StoreHypercallTest, NextEventIntoASmallBufferKeepsTheEvent) {
    port.push_event("data/page\0page\0"s);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 4, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, -SF_ERANGE);
    EXPECT_EQ(args()->value_len, 15u);
    EXPECT_TRUE(port.events_pending());
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 0, 0}; // size query: no buffer at all
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, -SF_ERANGE);
    EXPECT_EQ(args()->value_len, 15u);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 15, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(args()->ret, 0);
    EXPECT_EQ(answer(), "data/page\0page\0"s);
}

TEST_F(StoreHypercallTest, QueueOverflowDropsTheOldest) {
    for (size_t i = 0; i < StorePort::kQueueMax + 3; ++i)
        port.push_event("e" + std::to_string(i) + '\0' + "t\0"s);
    EXPECT_EQ(port.stats().events, StorePort::kQueueMax + 3);
    EXPECT_EQ(port.stats().events_dropped, 3u);
    *args() = {SF_STORE_NEXT_EVENT, 1, 0, 0, 64, kValue};
    dispatch_hypercall(ctx, SF_HC_STORE, kArgs);
    EXPECT_EQ(answer(), "e3\0t\0"s);
    EXPECT_EQ(StorePort::kQueueMax, size_t{SF_STORE_QUEUE_MAX});
}

TEST_F(StoreHypercallTest, PollReportsStoreEventsAndDoesNotBlockOnThem) {
    auto* poll = reinterpret_cast<sf_hc_poll*>(memory.host_base() + kArgs);
    *poll = {UINT64_MAX, 0, 0};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_POLL, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Block); // nothing queued: it waits
    EXPECT_EQ(poll->ready_set, 0u);
    port.push_event("data/page\0page\0"s);
    EXPECT_EQ(store_ready_set(&port), SF_POLL_STORE);
    *poll = {UINT64_MAX, 0, 0};
    r = dispatch_hypercall(ctx, SF_HC_POLL, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Continue);
    EXPECT_EQ(poll->ready_set, SF_POLL_STORE);
    EXPECT_EQ(store_ready_set(nullptr), 0u);
    EXPECT_EQ(SF_POLL_STORE & (SF_POLL_NIC(0) | SF_POLL_NIC(1) | SF_POLL_NIC(2) | SF_POLL_NIC(3)), 0u);
}

// The monitor reads the guest's argument struct once: a guest that changes it
// meanwhile (from another vCPU, or through memory it shares with a sandbox)
// cannot have one value checked and another used. Had op been read again
// after the path was checked, a READ could have its answer buffer checked as
// a WRITE's value (for reading only) and the answer written into memory the
// guest may not write. No IN field, counted by a hardware watchpoint, is
// read more than once per call, whatever the op.
TEST_F(StoreHypercallTest, TheArgumentStructIsReadOnce) {
    struct Field {
        const char* name;
        size_t offset, length;
    };
    const Field fields[] = {{"op", offsetof(sf_hc_store, op), 4},
                            {"path", offsetof(sf_hc_store, path), 8},
                            {"path_len", offsetof(sf_hc_store, path_len), 4},
                            {"value_len", offsetof(sf_hc_store, value_len), 4},
                            {"value", offsetof(sf_hc_store, value), 8}};
    const sf_hc_store calls[] = {{SF_STORE_READ, 1, kPath, 6, 64, kValue},
                                 {SF_STORE_WRITE, 1, kPath, 6, 3, kValue},
                                 {SF_STORE_LIST, 1, kPath, 6, 64, kValue},
                                 {SF_STORE_WATCH, 1, kPath, 6, 3, kValue},
                                 {SF_STORE_NEXT_EVENT, 1, 0, 0, 64, kValue},
                                 {SF_STORE_READ, 1, kPath, SF_STORE_PATH_MAX + 1, 64, kValue}}; // a fault
    put(kPath, "data/x");
    put(kValue, "tok");
    for (const Field& field : fields) {
        auto counter = ReadCounter::watch(reinterpret_cast<const char*>(args()) + field.offset, field.length);
        if (!counter)
            GTEST_SKIP() << "no hardware watchpoints here (perf_event_open: " << std::strerror(errno) << ")";
        for (const sf_hc_store& c : calls) {
            *args() = c;
            transport->reply = {c.op == SF_STORE_READ   ? xs::kRead
                                : c.op == SF_STORE_LIST ? xs::kDirectory
                                                        : xs::kWrite,
                                "OK\0"s};
            if (c.op == SF_STORE_NEXT_EVENT) port.push_event("data/x\0tok\0"s);
            const long long reads =
                counter->reads_during([&] { dispatch_hypercall(ctx, SF_HC_STORE, kArgs); });
            EXPECT_LE(reads, 1) << field.name << " read " << reads << " times by op " << c.op << " (path_len "
                                << c.path_len << ")";
        }
    }
}
