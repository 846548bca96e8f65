// Unit tests (no KVM): the monitor objects' own snapshot state against plain
// guest memory: Nic, StorePort, GuestClock, GuestMemory's touched pages and
// host dirty bitmap, the Vcpu record's checks, and the SnapshotLoader's
// refusals.
#include "superfluid/abi.h"
#include "vmm/devices/nic.h"
#include "vmm/devices/store_port.h"
#include "vmm/guest_clock.h"
#include "vmm/guest_memory.h"
#include "vmm/snapshot/loader.h"
#include "vmm/x86_64/vcpu_state_x86_64.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

namespace {

using namespace sf;
using namespace sf::vmm;
using namespace sf::vmm::snapshot;

constexpr uint64_t kMem = 4ull << 20;
constexpr uint64_t kRings = SF_GUEST_BASE_GPA + 0x10000;

GuestMemory make_memory() {
    return std::move(GuestMemory::create(kMem).value());
}

std::vector<uint8_t> frame(uint8_t fill, size_t len = 60) {
    return std::vector<uint8_t>(len, fill);
}

sf_net_rings* rings_in(GuestMemory& memory) {
    return reinterpret_cast<sf_net_rings*>(memory.host_base() + kRings);
}

TEST(NicSnapshot, RoundTripKeepsIndicesCountersAndRings) {
    GuestMemory memory = make_memory();
    std::vector<std::vector<uint8_t>> sent;
    Nic nic(NicConfig{}, [&](std::span<const uint8_t> f) { sent.emplace_back(f.begin(), f.end()); });
    ASSERT_EQ(nic.attach(memory, kRings), 0);
    for (uint8_t i = 0; i < 3; ++i)
        ASSERT_TRUE(nic.deliver(frame(i)));
    rings_in(memory)->rx.tail = 1; // the guest took one frame
    auto& tx = rings_in(memory)->tx;
    tx.slots[0].len = 64;
    tx.head = 1;
    ASSERT_EQ(nic.kick().frames, 1u);
    NicSnapshot saved = nic.snapshot();
    EXPECT_EQ(saved.attached, 1u);
    EXPECT_EQ(saved.rings_gpa, kRings);
    EXPECT_EQ(saved.rx_head, 3u);
    EXPECT_EQ(saved.tx_tail, 1u);
    EXPECT_EQ(saved.rx_frames, 3u);
    EXPECT_EQ(saved.tx_frames, 1u);
    ASSERT_EQ(nic.ring_range()->gpa, kRings);
    EXPECT_EQ(nic.ring_range()->len, sizeof(sf_net_rings));

    // A copy of memory where a frame arrived after the snapshot (ring head 4).
    ASSERT_TRUE(nic.deliver(frame(9)));
    GuestMemory copy = make_memory();
    std::memcpy(copy.host_base(), memory.host_base(), kMem);
    Nic restored(NicConfig{}, [&](std::span<const uint8_t> f) { sent.emplace_back(f.begin(), f.end()); });
    ASSERT_TRUE(restored.restore(copy, saved).ok());
    EXPECT_TRUE(restored.attached());
    EXPECT_EQ(rings_in(copy)->rx.head, 3u) << "the ring's head is put back to the saved index";
    EXPECT_TRUE(restored.rx_pending());
    EXPECT_EQ(restored.stats().rx_frames, 3u);
    ASSERT_TRUE(restored.deliver(frame(7)));
    EXPECT_EQ(rings_in(copy)->rx.head, 4u);
    EXPECT_EQ(rings_in(copy)->rx.slots[3].frame[0], 7);
    auto& copy_tx = rings_in(copy)->tx;
    copy_tx.slots[1].len = 100;
    copy_tx.head = 2;
    sent.clear();
    EXPECT_EQ(restored.kick().frames, 1u) << "TX continues at the saved tail";
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].size(), 100u);
    nic.detach();
    restored.detach();
}

TEST(NicSnapshot, DetachedNicRestoresDetached) {
    GuestMemory memory = make_memory();
    Nic nic(NicConfig{}, [](std::span<const uint8_t>) {});
    EXPECT_FALSE(nic.deliver(frame(1)));
    NicSnapshot saved = nic.snapshot();
    EXPECT_EQ(saved.attached, 0u);
    EXPECT_EQ(saved.rx_dropped_detached, 1u);
    Nic restored(NicConfig{}, [](std::span<const uint8_t>) {});
    ASSERT_TRUE(restored.restore(memory, saved).ok());
    EXPECT_FALSE(restored.attached());
    EXPECT_FALSE(restored.ring_range());
    EXPECT_EQ(restored.stats().rx_dropped_detached, 1u);
}

TEST(NicSnapshot, RestoreRefusesMisplacedRings) {
    GuestMemory memory = make_memory();
    Nic nic(NicConfig{}, [](std::span<const uint8_t>) {});
    NicSnapshot bad{};
    bad.attached = 1;
    for (uint64_t gpa : {uint64_t{0x3000}, kRings + 8, kMem - 4096, uint64_t{UINT64_MAX - 63}}) {
        bad.rings_gpa = gpa;
        auto result = nic.restore(memory, bad);
        EXPECT_FALSE(result.ok()) << gpa;
        EXPECT_FALSE(nic.attached());
    }
    bad.attached = 2;
    bad.rings_gpa = kRings;
    EXPECT_FALSE(nic.restore(memory, bad).ok());
    bad.attached = 1;
    ASSERT_TRUE(nic.restore(memory, bad).ok());
    EXPECT_FALSE(nic.restore(memory, bad).ok()) << "attached already";
    nic.detach();
}

class NoTransport final : public StoreTransport {
  public:
    Result<StoreMessage> request(uint32_t, std::string_view) override { return error("no store"); }
};

TEST(StorePortSnapshot, RoundTripKeepsEventsAndCounters) {
    StorePort port(std::make_shared<NoTransport>());
    port.push_event(std::string("data/x\0tok\0", 11));
    port.push_event(std::string("data/y\0tok\0", 11));
    (void)port.request(xs::kRead, "x");
    const std::vector<uint8_t> bytes = StorePort::encode(port.snapshot());
    auto decoded = StorePort::decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    StorePort restored(std::make_shared<NoTransport>());
    restored.restore(std::move(*decoded));
    EXPECT_TRUE(restored.events_pending());
    EXPECT_EQ(restored.stats().events, 2u);
    EXPECT_EQ(restored.stats().requests, 1u);
    EXPECT_EQ(restored.stats().failures, 1u);
    auto first = restored.take_event(4096);
    EXPECT_EQ(first.payload, std::string("data/x\0tok\0", 11));
    EXPECT_EQ(restored.take_event(4096).payload, std::string("data/y\0tok\0", 11));
    EXPECT_FALSE(restored.events_pending());
}

TEST(StorePortSnapshot, DecodeRefusesMalformedPayloads) {
    StorePortSnapshot snap;
    snap.events.push_back("abc");
    const std::vector<uint8_t> good = StorePort::encode(snap);
    ASSERT_TRUE(StorePort::decode(good).ok());
    for (size_t cut = 0; cut < good.size(); ++cut)
        EXPECT_FALSE(StorePort::decode(std::span<const uint8_t>(good).first(cut)).ok()) << cut;
    std::vector<uint8_t> extra = good;
    extra.push_back(0);
    EXPECT_FALSE(StorePort::decode(extra).ok());
    std::vector<uint8_t> too_many = good;
    const uint32_t count = StorePort::kQueueMax + 1;
    std::memcpy(too_many.data(), &count, 4);
    EXPECT_FALSE(StorePort::decode(too_many).ok());
    StorePortSnapshot big;
    big.events.push_back(std::string(SF_STORE_EVENT_MAX + 1, 'x'));
    auto result = StorePort::decode(StorePort::encode(big));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("4097 bytes"), std::string::npos) << result.error().message;
}

TEST(GuestClockSnapshot, ResumedClockContinuesFromTheSavedTime) {
    GuestClock clock = GuestClock::resumed_at(5'000'000'000ull);
    const uint64_t now = clock.now_ns();
    EXPECT_GE(now, 5'000'000'000ull);
    EXPECT_LT(now, 5'100'000'000ull);
    const uint64_t host = clock.to_host_ns(6'000'000'000ull);
    EXPECT_GE(host, host_monotonic_ns() + 800'000'000ull);
    EXPECT_EQ(clock.to_host_ns(UINT64_MAX), UINT64_MAX);
    // Saved on a host with a longer uptime than this one's.
    GuestClock far = GuestClock::resumed_at(host_monotonic_ns() + (1ull << 50));
    EXPECT_GE(far.now_ns(), 1ull << 50);
    EXPECT_EQ(far.to_host_ns(0), 0u);
}

TEST(GuestMemorySnapshot, TouchedPagesAreTheGuestsOwnTouchedOnes) {
    GuestMemory memory = make_memory();
    memory.host_base()[0x3000] = 1;                       // monitor range: never listed
    memory.host_base()[SF_GUEST_BASE_GPA + 5 * 4096] = 1; // page 261
    memory.host_base()[kMem - 1] = 1;                     // the last page
    auto pages = memory.touched_pages();
    ASSERT_TRUE(pages.ok()) << pages.error().message;
    EXPECT_EQ(*pages, (std::vector<uint64_t>{261, kMem / 4096 - 1}));
}

TEST(GuestMemorySnapshot, HostWritesAreMarkedOnlyWhileTracking) {
    GuestMemory memory = make_memory();
    ASSERT_TRUE(memory.guest_span(SF_GUEST_BASE_GPA, 8, Access::Write));
    EXPECT_FALSE(memory.dirty_tracking());
    memory.start_dirty_tracking();
    EXPECT_TRUE(memory.take_host_dirty_pages().empty()) << "start clears";
    ASSERT_TRUE(memory.guest_span(SF_GUEST_BASE_GPA + 4090, 10, Access::Write));   // two pages
    ASSERT_TRUE(memory.guest_span(SF_GUEST_BASE_GPA + 9 * 4096, 1, Access::Read)); // reads are not marked
    ASSERT_TRUE(memory.guest_struct<sf_hc_poll>(SF_GUEST_BASE_GPA + 20 * 4096, Access::Write));
    EXPECT_EQ(memory.take_host_dirty_pages(), (std::vector<uint64_t>{256, 257, 276}));
    EXPECT_TRUE(memory.take_host_dirty_pages().empty()) << "take resets";
    memory.stop_dirty_tracking();
    ASSERT_TRUE(memory.guest_span(SF_GUEST_BASE_GPA, 8, Access::Write));
    EXPECT_TRUE(memory.take_host_dirty_pages().empty());
}

TEST(GuestMemorySnapshot, MarksFromManyThreads) {
    GuestMemory memory = make_memory();
    memory.start_dirty_tracking();
    std::vector<std::thread> threads;
    for (uint64_t t = 0; t < 4; ++t)
        threads.emplace_back([&memory, t] {
            for (uint64_t p = 256 + t; p < 1024; p += 4)
                (void)memory.guest_span(p * 4096, 1, Access::Write);
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(memory.take_host_dirty_pages().size(), 1024u - 256u);
}

// A record as a fresh CPL 3 guest at 1 MiB has it.
x86_64::VcpuRecord user_record() {
    x86_64::VcpuRecord r{};
    r.regs.rip = SF_GUEST_BASE_GPA + 0x100;
    r.regs.rflags = 0x3002;
    r.sregs.cs = kvm_segment{0, 0xffffffff, 0x23, 0xb, 1, 3, 0, 0, 1, 1, 1, 0, 0};
    r.sregs.ss = kvm_segment{0, 0xffffffff, 0x1b, 0x3, 1, 3, 1, 0, 0, 1, 1, 0, 0};
    r.sregs.efer = (1u << 8) | (1u << 10) | (1u << 11);
    r.fpu.mxcsr = 0x1f80;
    r.msr_count = 1;
    r.msrs[0] = {x86_64::kMsrTsc, 0, 12345};
    return r;
}

TEST(VcpuRecord, ChecksKeepTheGuestAtCpl3InsideItsMemory) {
    EXPECT_TRUE(x86_64::check_vcpu_record(user_record(), kMem).ok());
    auto refused = [](x86_64::VcpuRecord r) { return x86_64::check_vcpu_record(r, kMem); };
    auto r = user_record();
    r.sregs.cs.dpl = 0;
    r.sregs.cs.selector = 0x8;
    auto result = refused(r);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("not 64-bit CPL 3 code"), std::string::npos)
        << result.error().message;
    r = user_record();
    r.sregs.ss.selector = 0x10;
    EXPECT_FALSE(refused(r).ok());
    r = user_record();
    r.regs.rip = 0x3000; // the page tables
    result = refused(r);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              "snapshot Vcpu: rip 0x3000 is outside the guest's memory [0x100000, 0x400000)");
    r = user_record();
    r.regs.rip = kMem;
    EXPECT_FALSE(refused(r).ok());
    r = user_record();
    r.fpu.mxcsr = 0x10000;
    EXPECT_FALSE(refused(r).ok());
    r = user_record();
    r.events.exception.injected = 1;
    EXPECT_FALSE(refused(r).ok());
    r = user_record();
    r.msr_count = 0;
    EXPECT_FALSE(refused(r).ok()) << "no TSC";
    r = user_record();
    r.msr_count = 17;
    EXPECT_FALSE(refused(r).ok());
}

TEST(VcpuRecord, EncodeDecode) {
    const auto bytes = x86_64::encode_vcpu_record(user_record());
    EXPECT_EQ(bytes.size(), sizeof(x86_64::VcpuRecord));
    auto decoded = x86_64::decode_vcpu_record(bytes);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->regs.rip, SF_GUEST_BASE_GPA + 0x100);
    EXPECT_FALSE(x86_64::decode_vcpu_record(std::span<const uint8_t>(bytes).first(100)).ok());
}

template <typename T> Record record_of(Tag tag, const T& value) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
    return Record{tag, 0, std::vector<uint8_t>(bytes, bytes + sizeof(T)), 0};
}

GuestStateRecord state_record(uint32_t nics, uint32_t flags) {
    GuestStateRecord s{};
    s.mem_size = kMem;
    s.monotonic_ns = 1000;
    s.tsc_hz = 2'000'000'000;
    s.nic_count = nics;
    s.flags = flags;
    s.poll_gpa = SF_GUEST_BASE_GPA + 0x800;
    return s;
}

TEST(SnapshotLoader, CollectsTheMonitorsRecordsInAnyOrder) {
    GuestMemory memory = make_memory();
    SnapshotLoader loader(memory);
    NicSnapshot nic1{};
    nic1.index = 1;
    NicSnapshot nic0{};
    nic0.attached = 1;
    nic0.rings_gpa = kRings;
    StorePortSnapshot store;
    store.events.push_back("a");
    EXPECT_TRUE(*loader.accept(record_of(Tag::Nic, nic1)));
    EXPECT_TRUE(*loader.accept(record_of(Tag::Vcpu, user_record())));
    EXPECT_TRUE(*loader.accept(Record{Tag::StorePort, 0, StorePort::encode(store), 0}));
    EXPECT_TRUE(*loader.accept(record_of(Tag::GuestState, state_record(2, kGuestParked | kGuestHasStore))));
    EXPECT_TRUE(*loader.accept(record_of(Tag::Nic, nic0)));
    EXPECT_TRUE(*loader.accept(Record{Tag::Memory, 0, {}, 3}));
    EXPECT_FALSE(*loader.accept(Record{Tag::Console, 0, {1, 2}, 0}));
    EXPECT_FALSE(*loader.accept(Record{Tag::GuestEnd, 0, {}, 0}));
    auto snap = std::move(loader).finish();
    ASSERT_TRUE(snap.ok()) << snap.error().message;
    EXPECT_EQ(snap->nics.size(), 2u);
    EXPECT_EQ(snap->nics[0].rings_gpa, kRings);
    EXPECT_EQ(snap->nics[1].index, 1u);
    EXPECT_EQ(snap->store->events.size(), 1u);
    EXPECT_EQ(snap->pages, 3u);
}

TEST(SnapshotLoader, MemoryAsBytesIsCheckedAndCopied) {
    GuestMemory memory = make_memory();
    SnapshotLoader loader(memory);
    std::vector<uint8_t> payload(memory_record_length(1));
    MemoryRecordHeader batch{1, 0};
    const uint64_t index = 300;
    std::memcpy(payload.data(), &batch, 8);
    std::memcpy(payload.data() + 8, &index, 8);
    payload[16] = 0xab;
    ASSERT_TRUE(loader.accept(Record{Tag::Memory, 0, payload, 0}).ok());
    EXPECT_EQ(memory.host_base()[300 * 4096], 0xab);
    const uint64_t outside = 2;
    std::memcpy(payload.data() + 8, &outside, 8);
    EXPECT_FALSE(loader.accept(Record{Tag::Memory, 0, payload, 0}).ok());
    payload.pop_back();
    EXPECT_FALSE(loader.accept(Record{Tag::Memory, 0, payload, 0}).ok());
}

TEST(SnapshotLoader, RefusesWhatDoesNotFit) {
    GuestMemory memory = make_memory();
    auto refuses = [&](const Record& record) {
        SnapshotLoader loader(memory);
        return !loader.accept(record).ok();
    };
    GuestStateRecord s = state_record(0, 0);
    s.mem_size = 8ull << 20;
    EXPECT_TRUE(refuses(record_of(Tag::GuestState, s)));
    s = state_record(5, 0);
    EXPECT_TRUE(refuses(record_of(Tag::GuestState, s)));
    s = state_record(0, 1u << 7);
    EXPECT_TRUE(refuses(record_of(Tag::GuestState, s)));
    s = state_record(0, kGuestParked);
    s.poll_gpa = 0x2000; // the GDT
    EXPECT_TRUE(refuses(record_of(Tag::GuestState, s)));
    EXPECT_TRUE(refuses(Record{Tag::GuestState, 0, {1, 2, 3}, 0}));
    NicSnapshot nic{};
    nic.index = 4;
    EXPECT_TRUE(refuses(record_of(Tag::Nic, nic)));
    nic.index = 0;
    nic.attached = 1;
    nic.rings_gpa = kMem - 64;
    EXPECT_TRUE(refuses(record_of(Tag::Nic, nic)));
    auto vcpu = user_record();
    vcpu.sregs.cs.dpl = 0;
    EXPECT_TRUE(refuses(record_of(Tag::Vcpu, vcpu)));

    SnapshotLoader twice(memory);
    ASSERT_TRUE(twice.accept(record_of(Tag::Vcpu, user_record())).ok());
    EXPECT_FALSE(twice.accept(record_of(Tag::Vcpu, user_record())).ok());
}

TEST(SnapshotLoader, FinishWantsEverythingNamed) {
    GuestMemory memory = make_memory();
    {
        SnapshotLoader loader(memory);
        auto result = std::move(loader).finish();
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().message, "snapshot: no GuestState record");
    }
    {
        SnapshotLoader loader(memory);
        ASSERT_TRUE(loader.accept(record_of(Tag::GuestState, state_record(1, 0))).ok());
        ASSERT_TRUE(loader.accept(record_of(Tag::Vcpu, user_record())).ok());
        EXPECT_FALSE(std::move(loader).finish().ok()) << "NIC 0 missing";
    }
    {
        SnapshotLoader loader(memory);
        ASSERT_TRUE(loader.accept(record_of(Tag::GuestState, state_record(0, kGuestHasStore))).ok());
        ASSERT_TRUE(loader.accept(record_of(Tag::Vcpu, user_record())).ok());
        EXPECT_FALSE(std::move(loader).finish().ok()) << "StorePort missing";
    }
}

} // namespace
