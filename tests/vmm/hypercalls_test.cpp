// Unit tests: hypercall handlers against plain guest memory (no KVM).
#include "superfluid/abi.h"
#include "vmm/hypercalls/hypercalls.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

using namespace sf::vmm;

namespace {

class RecordingConsole final : public ConsoleSink {
  public:
    void write(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
    std::string text;
};

class HypercallTest : public ::testing::Test {
  protected:
    GuestMemory memory = std::move(GuestMemory::create(4ull << 20).value());
    GuestClock clock;
    RecordingConsole console;
    HypercallContext ctx{memory, clock, console, {}};

    static constexpr uint64_t kArgs = SF_GUEST_BASE_GPA + 0x1000;
    static constexpr uint64_t kData = SF_GUEST_BASE_GPA + 0x2000;

    template <typename T> T* at(uint64_t gpa) { return reinterpret_cast<T*>(memory.host_base() + gpa); }
    void put_text(uint64_t gpa, const char* text) {
        std::memcpy(memory.host_base() + gpa, text, strlen(text));
    }
};

} // namespace

TEST_F(HypercallTest, ConsoleWriteCopiesBytesAndReturnsLength) {
    put_text(kData, "hello\n");
    *at<sf_hc_console_write>(kArgs) = {kData, 6, -1};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_CONSOLE_WRITE, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Continue);
    EXPECT_EQ(console.text, "hello\n");
    EXPECT_EQ(at<sf_hc_console_write>(kArgs)->ret, 6);
}

TEST_F(HypercallTest, ConsoleWriteOutsideMemoryFaults) {
    *at<sf_hc_console_write>(kArgs) = {memory.size() - 2, 16, 0};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_CONSOLE_WRITE, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Fault);
    EXPECT_NE(r.reason.find("outside the guest's memory"), std::string::npos) << r.reason;
    EXPECT_TRUE(console.text.empty());
}

TEST_F(HypercallTest, ConsoleWriteTooLongFaults) {
    *at<sf_hc_console_write>(kArgs) = {kData, SF_CONSOLE_WRITE_MAX + 1, 0};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_CONSOLE_WRITE, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Fault);
    EXPECT_NE(r.reason.find("exceeds the maximum"), std::string::npos) << r.reason;
}

TEST_F(HypercallTest, ConsoleWriteCannotReadMonitorPages) {
    *at<sf_hc_console_write>(kArgs) = {0x3000, 64, 0}; // the page tables
    EXPECT_EQ(dispatch_hypercall(ctx, SF_HC_CONSOLE_WRITE, kArgs).action, HypercallResult::Action::Fault);
}

TEST_F(HypercallTest, ArgumentStructOutsideOrMisalignedFaults) {
    const uint64_t bad[] = {0, 0x3000, SF_BOOT_INFO_GPA, kArgs + 4, memory.size() - 8, 0xffffffff};
    for (uint64_t gpa : bad) {
        for (uint32_t nr : {uint32_t{SF_HC_CONSOLE_WRITE}, uint32_t{SF_HC_CLOCK}, uint32_t{SF_HC_POLL}}) {
            HypercallResult r = dispatch_hypercall(ctx, nr, gpa);
            EXPECT_EQ(r.action, HypercallResult::Action::Fault) << "nr " << nr << " gpa " << gpa;
            EXPECT_NE(r.reason.find("argument struct"), std::string::npos) << r.reason;
        }
    }
}

TEST_F(HypercallTest, UnknownNumberFaults) {
    HypercallResult r = dispatch_hypercall(ctx, 0, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Fault);
    EXPECT_NE(r.reason.find("unknown hypercall 0"), std::string::npos);
    EXPECT_EQ(dispatch_hypercall(ctx, SF_HC_COUNT, kArgs).action, HypercallResult::Action::Fault);
    EXPECT_EQ(dispatch_hypercall(ctx, 0xffffffff, kArgs).action, HypercallResult::Action::Fault);
}

TEST_F(HypercallTest, ClockIsMonotonicFromGuestStart) {
    auto* c = at<sf_hc_clock>(kArgs);
    ASSERT_EQ(dispatch_hypercall(ctx, SF_HC_CLOCK, kArgs).action, HypercallResult::Action::Continue);
    uint64_t first = c->monotonic_ns;
    EXPECT_LT(first, 60ull * 1000000000ull);              // counts from this test's GuestClock, not host boot
    EXPECT_GT(c->wall_ns, 1600000000ull * 1000000000ull); // after 2020
    ASSERT_EQ(dispatch_hypercall(ctx, SF_HC_CLOCK, kArgs).action, HypercallResult::Action::Continue);
    EXPECT_GE(c->monotonic_ns, first);
}

TEST_F(HypercallTest, PollBlocksUntilAFutureDeadlineOnly) {
    auto* p = at<sf_hc_poll>(kArgs);
    *p = {0, 99, 99};
    EXPECT_EQ(dispatch_hypercall(ctx, SF_HC_POLL, kArgs).action, HypercallResult::Action::Continue);
    EXPECT_EQ(p->ready_set, 0u);
    EXPECT_EQ(p->ret, 0);
    const uint64_t deadline = clock.now_ns() + 1000000000ull;
    *p = {deadline, 99, 99};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_POLL, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Block);
    EXPECT_EQ(r.deadline_ns, deadline);
}

TEST_F(HypercallTest, ExitCarriesStatus) {
    *at<sf_hc_exit>(kArgs) = {-3, 0};
    HypercallResult r = dispatch_hypercall(ctx, SF_HC_EXIT, kArgs);
    EXPECT_EQ(r.action, HypercallResult::Action::Exit);
    EXPECT_EQ(r.status, -3);
}
