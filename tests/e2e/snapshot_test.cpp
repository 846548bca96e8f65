// End-to-end: a running guest saved into a stream (pages + monitor state) and
// restored into a fresh Guest continues exactly where it was: the ticker's
// console goes on with the next tick, its clock did not jump while it was
// saved, and a copy made with dirty logging (touched pages while running,
// then the dirty ones) restores as well.
#include "e2e.h"
#include "superfluid/abi.h"
#include "vmm/memory_template.h"
#include "vmm/snapshot/loader.h"
#include "vmm/snapshot/reader.h"
#include "vmm/snapshot/writer.h"
#include "vmm/x86_64/vcpu_state_x86_64.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <regex>
#include <thread>

namespace {

using namespace sf;
using namespace sf::vmm;
using Kind = ForegroundResult::Kind;

constexpr uint64_t kMemSize = 4ull << 20;

struct Tick {
    int index;
    long at_ms;
};

std::vector<Tick> ticks(const std::string& console, int count) {
    std::vector<Tick> out;
    std::regex line("tick ([0-9]+)/" + std::to_string(count) + " at ([0-9]+) ms\n");
    for (std::sregex_iterator it(console.begin(), console.end(), line), end; it != end; ++it)
        out.push_back({std::stoi((*it)[1]), std::stol((*it)[2])});
    return out;
}

// Runs the guest (sleeping through its polls) until host time `for_ms` from
// now has passed and it is parked in poll again.
void run_for(Guest& guest, std::chrono::milliseconds for_ms) {
    const uint64_t until = host_monotonic_ns() + static_cast<uint64_t>(for_ms.count()) * 1000000ull;
    for (;;) {
        auto outcome = guest.run();
        ASSERT_TRUE(outcome.ok()) << outcome.error().message;
        ASSERT_EQ(outcome->kind, RunOutcome::Kind::Blocked) << outcome->reason;
        if (host_monotonic_ns() >= until) return;
        const uint64_t wake = std::min(guest.clock().to_host_ns(outcome->deadline_ns), until);
        while (host_monotonic_ns() < wake)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

struct Fixture {
    std::shared_ptr<const MemoryTemplate> memory_template;
    GuestConfig config;
};

Fixture ticker(const std::string& cmdline) {
    auto image = Image::load_file(test::guest_path("ticker"));
    EXPECT_TRUE(image.ok()) << image.error().message;
    auto tmpl = MemoryTemplate::create(*image, kMemSize);
    EXPECT_TRUE(tmpl.ok()) << tmpl.error().message;
    Fixture f{*tmpl, {}};
    f.config.name = "snap-ticker";
    f.config.cmdline = cmdline;
    f.config.mem_size = kMemSize;
    return f;
}

std::unique_ptr<Guest> start(const Fixture& f, ConsoleSink& console,
                             const std::shared_ptr<const Backend>& backend = test::backend_or_null()) {
    auto shell = Shell::create(*backend);
    EXPECT_TRUE(shell.ok()) << shell.error().message;
    auto guest =
        Guest::create(std::move(*shell), backend->memory_sharing(), *f.memory_template, f.config, console);
    EXPECT_TRUE(guest.ok()) << guest.error().message;
    return guest ? std::move(*guest) : nullptr;
}

int memfd() {
    return ::memfd_create("snapshot-test", MFD_CLOEXEC);
}

// Reads the guest part (header first) from fd into a fresh guest.
std::unique_ptr<Guest> restore_from(int fd, const Fixture& f, ConsoleSink& console,
                                    snapshot::GuestSnapshot* out,
                                    const std::shared_ptr<const Backend>& backend = test::backend_or_null()) {
    snapshot::Reader reader(fd);
    auto header = reader.header();
    EXPECT_TRUE(header.ok()) << header.error().message;
    auto memory = f.memory_template->instantiate(backend->memory_sharing());
    EXPECT_TRUE(memory.ok());
    snapshot::SnapshotLoader loader(*memory);
    for (;;) {
        auto record = reader.next(&*memory);
        EXPECT_TRUE(record.ok()) << record.error().message;
        if (!record) return nullptr;
        auto taken = loader.accept(*record);
        EXPECT_TRUE(taken.ok()) << taken.error().message;
        if (!*taken && record->tag == snapshot::Tag::GuestEnd) break;
    }
    auto snap = std::move(loader).finish();
    EXPECT_TRUE(snap.ok()) << snap.error().message;
    if (!snap) return nullptr;
    if (out) *out = *snap;
    auto shell = Shell::create(*backend);
    EXPECT_TRUE(shell.ok());
    auto guest = Guest::restore(std::move(*shell), std::move(*memory), f.config, console, *snap);
    EXPECT_TRUE(guest.ok()) << guest.error().message;
    return guest ? std::move(*guest) : nullptr;
}

// Every tick from 1 to count exactly once, in order, across both consoles.
// `frozen`: guest time stood still while saved (Guest::tsc_continued()), so
// no tick comes late; else the clock followed the host's TSC and jumped.
void expect_one_sequence(const std::string& before, const std::string& after, int count, long interval_ms,
                         bool frozen) {
    std::vector<Tick> all = ticks(before, count);
    const size_t saved = all.size();
    for (const Tick& t : ticks(after, count))
        all.push_back(t);
    ASSERT_EQ(all.size(), static_cast<size_t>(count)) << "before:\n" << before << "after:\n" << after;
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(all[i].index, i + 1);
        // Guest time stood still while saved: each tick at its own interval, no jump.
        EXPECT_GE(all[i].at_ms, interval_ms * (i + 1));
        if (frozen || i < static_cast<int>(saved)) {
            EXPECT_LT(all[i].at_ms, interval_ms * (i + 1) + 60)
                << "tick " << i + 1 << " (" << saved << " before the save)";
        }
        if (i > 0) {
            EXPECT_GE(all[i].at_ms, all[i - 1].at_ms); // ticks whose time passed while saved come together
        }
    }
}

// Saves a stopped ticker whole (every touched page, then its state), ends it,
// restores it on `to` and checks that it counts on to `count` (10 ms apart),
// each tick exactly once across both consoles.
void stop_copy_and_count_on(std::unique_ptr<Guest> guest, const Fixture& f, const std::string& before,
                            int count, const std::shared_ptr<const Backend>& to) {
    const int fd = memfd();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(writer.header().ok());
    auto touched = guest->touched_pages();
    ASSERT_TRUE(touched.ok()) << touched.error().message;
    ASSERT_TRUE(writer.pages(guest->memory(), *touched, snapshot::PageCheck::Full).ok());
    ASSERT_TRUE(guest->save_state(writer).ok());
    ASSERT_TRUE(writer.record(snapshot::Tag::GuestEnd, std::string_view("{}")).ok());
    guest.reset();
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    test::CapturingConsole after;
    std::unique_ptr<Guest> restored = restore_from(fd, f, after, nullptr, to);
    ::close(fd);
    ASSERT_TRUE(restored);
    auto result = run_foreground(*restored, std::chrono::seconds(5));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->kind, Kind::Exited) << result->reason;
    expect_one_sequence(before, after.text, count, 10, restored->tsc_continued());
}

TEST(Snapshot, SavedTickerRestoresAndCountsOn) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("30 20");
    test::CapturingConsole before;
    std::unique_ptr<Guest> guest = start(f, before);
    ASSERT_TRUE(guest);
    run_for(*guest, std::chrono::milliseconds(150));
    const std::optional<uint64_t> deadline = guest->blocked_deadline();
    ASSERT_TRUE(deadline.has_value());

    const int fd = memfd();
    ASSERT_GE(fd, 0);
    const auto t0 = std::chrono::steady_clock::now();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(writer.header().ok());
    auto pages = guest->touched_pages();
    ASSERT_TRUE(pages.ok()) << pages.error().message;
    auto wrote = writer.pages(guest->memory(), *pages);
    ASSERT_TRUE(wrote.ok()) << wrote.error().message;
    auto saved = guest->save_state(writer);
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    ASSERT_TRUE(writer.record(snapshot::Tag::GuestEnd, std::string_view("{}")).ok());
    const double save_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ figures  ] ticker save: %zu pages, %llu bytes, %llu records, %.3f ms\n", pages->size(),
                static_cast<unsigned long long>(writer.bytes_written()),
                static_cast<unsigned long long>(writer.records_written()), save_ms);
    guest.reset();

    std::this_thread::sleep_for(
        std::chrono::milliseconds(100)); // time in the file: the guest must not see it
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    test::CapturingConsole after;
    snapshot::GuestSnapshot snap;
    const auto t1 = std::chrono::steady_clock::now();
    std::unique_ptr<Guest> restored = restore_from(fd, f, after, &snap);
    const double restore_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    std::printf("[ figures  ] ticker restore: %llu pages, %.3f ms\n",
                static_cast<unsigned long long>(snap.pages), restore_ms);
    ::close(fd);
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->blocked_deadline(), deadline);
    auto result = run_foreground(*restored, std::chrono::seconds(5));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->kind, Kind::Exited) << result->reason;
    EXPECT_EQ(result->status, 0);
    if (!restored->tsc_continued())
        std::printf("[ note     ] this host ignores TSC writes: the clock followed the TSC\n");
    expect_one_sequence(before.text, after.text, 30, 20, restored->tsc_continued());
}

TEST(Snapshot, SaveWithKeepLetsTheGuestRunOn) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("10 10");
    test::CapturingConsole console;
    std::unique_ptr<Guest> guest = start(f, console);
    ASSERT_TRUE(guest);
    run_for(*guest, std::chrono::milliseconds(35));
    const int fd = memfd();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(guest->save_state(writer).ok());
    ASSERT_TRUE(guest->save_state(writer).ok()); // twice: completing the exit is idempotent
    ::close(fd);
    auto result = run_foreground(*guest, std::chrono::seconds(5));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->kind, Kind::Exited) << result->reason;
    EXPECT_EQ(ticks(console.text, 10).size(), 10u) << console.text;
}

// The process backend has no dirty log: it says so, and a migration stops and copies instead.
TEST(Snapshot, DirtyLogIsRefusedClearlyWhereTheBackendHasNone) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("30 10");
    test::CapturingConsole console;
    std::unique_ptr<Guest> guest = start(f, console);
    ASSERT_TRUE(guest);
    EXPECT_EQ(guest->has_dirty_log(), test::backend_kind() == vmm::BackendKind::Kvm);
    if (guest->has_dirty_log()) return; // DirtyLoggedCopyRestores covers it
    auto enabled = guest->enable_dirty_log();
    ASSERT_FALSE(enabled.ok());
    EXPECT_NE(enabled.error().message.find("no dirty log"), std::string::npos) << enabled.error().message;
}

TEST(Snapshot, DirtyLoggedCopyRestores) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("30 10");
    test::CapturingConsole before;
    std::unique_ptr<Guest> guest = start(f, before);
    ASSERT_TRUE(guest);
    if (!guest->has_dirty_log()) {
        // Stop-and-copy, as a migration on this backend does: every touched page, the guest stopped.
        run_for(*guest, std::chrono::milliseconds(60));
        stop_copy_and_count_on(std::move(guest), f, before.text, 30, test::backend_or_null());
        return;
    }
    run_for(*guest, std::chrono::milliseconds(60));

    const int fd = memfd();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(writer.header().ok());
    ASSERT_TRUE(guest->enable_dirty_log().ok());
    auto touched = guest->touched_pages();
    ASSERT_TRUE(touched.ok());
    ASSERT_TRUE(writer.pages(guest->memory(), *touched, snapshot::PageCheck::Live).ok());
    run_for(*guest, std::chrono::milliseconds(60)); // pre-copy round: the guest runs on
    auto dirty = guest->take_dirty_pages();
    ASSERT_TRUE(dirty.ok()) << dirty.error().message;
    EXPECT_FALSE(dirty->empty());
    std::printf("[ figures  ] ticker: %zu touched pages, %zu dirty after 60 ms\n", touched->size(),
                dirty->size());
    for (uint64_t page : *dirty) {
        EXPECT_GE(page, SF_GUEST_BASE_GPA / SF_PAGE_SIZE);
        EXPECT_LT(page, kMemSize / SF_PAGE_SIZE);
    }
    ASSERT_TRUE(writer.pages(guest->memory(), *dirty).ok());
    ASSERT_TRUE(guest->save_state(writer).ok());
    ASSERT_TRUE(guest->disable_dirty_log().ok());
    ASSERT_TRUE(writer.record(snapshot::Tag::GuestEnd, std::string_view("{}")).ok());
    guest.reset();

    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    test::CapturingConsole after;
    std::unique_ptr<Guest> restored = restore_from(fd, f, after, nullptr);
    ::close(fd);
    ASSERT_TRUE(restored);
    auto result = run_foreground(*restored, std::chrono::seconds(5));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->kind, Kind::Exited) << result->reason;
    expect_one_sequence(before.text, after.text, 30, 10, restored->tsc_continued());
}

// Saves the state only (no pages) and reads its snapshot back.
snapshot::GuestSnapshot state_of(Guest& guest) {
    const int fd = memfd();
    snapshot::Writer writer(fd);
    EXPECT_TRUE(guest.save_state(writer).ok());
    EXPECT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    snapshot::Reader reader(fd);
    auto memory = GuestMemory::create(guest.memory().size());
    snapshot::SnapshotLoader loader(*memory);
    while (reader.bytes_read() < writer.bytes_written()) {
        auto record = reader.next(&*memory);
        EXPECT_TRUE(record.ok()) << record.error().message;
        if (!record) break;
        EXPECT_TRUE(loader.accept(*record).ok());
    }
    ::close(fd);
    auto snap = std::move(loader).finish();
    EXPECT_TRUE(snap.ok()) << snap.error().message;
    return snap ? *snap : snapshot::GuestSnapshot{};
}

TEST(Snapshot, TscAndClockAgreeAfterRestore) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("100 10");
    test::CapturingConsole before;
    std::unique_ptr<Guest> guest = start(f, before);
    ASSERT_TRUE(guest);
    run_for(*guest, std::chrono::milliseconds(30));
    const int fd = memfd();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(writer.header().ok());
    auto pages = guest->touched_pages();
    ASSERT_TRUE(writer.pages(guest->memory(), *pages).ok());
    ASSERT_TRUE(guest->save_state(writer).ok());
    ASSERT_TRUE(writer.record(snapshot::Tag::GuestEnd, std::string_view("{}")).ok());
    guest.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    test::CapturingConsole after;
    snapshot::GuestSnapshot first;
    std::unique_ptr<Guest> restored = restore_from(fd, f, after, &first);
    ::close(fd);
    ASSERT_TRUE(restored);
    const auto restored_at = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const snapshot::GuestSnapshot second = state_of(*restored);
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - restored_at).count();

    const uint64_t tsc1 = *x86_64::record_msr(first.vcpu, x86_64::kMsrTsc);
    const uint64_t tsc2 = *x86_64::record_msr(second.vcpu, x86_64::kMsrTsc);
    const double hz = static_cast<double>(first.state.tsc_hz);
    ASSERT_GT(tsc2, tsc1);
    const double tsc_s = static_cast<double>(tsc2 - tsc1) / hz;
    const double clock_s = static_cast<double>(second.state.monotonic_ns - first.state.monotonic_ns) / 1e9;
    std::printf("[ figures  ] between the saves: TSC %.3f s, clock %.3f s, %.3f s since the restore (%s)\n",
                tsc_s, clock_s, elapsed_s,
                restored->tsc_continued() ? "TSC restored" : "host ignores TSC writes");
    // Whatever the host: rdtsc time and the clock hypercall agree within 2 ms.
    EXPECT_NEAR(tsc_s, clock_s, 0.002);
    if (restored->tsc_continued()) {
        // Both went on from the saved values: they counted the 50 ms since
        // the restore, not the 300 ms in the file (slack: 20 ms).
        EXPECT_GE(clock_s, 0.045);
        EXPECT_LE(clock_s, elapsed_s + 0.020);
    } else {
        // The host's TSC ran on while saved, and the clock followed it.
        EXPECT_GE(clock_s, 0.345);
    }
}

TEST(Snapshot, RestoreRefusesAnotherMemorySize) {
    SF_REQUIRE_BACKEND();
    Fixture f = ticker("3 10");
    test::CapturingConsole console;
    std::unique_ptr<Guest> guest = start(f, console);
    ASSERT_TRUE(guest);
    run_for(*guest, std::chrono::milliseconds(5));
    const int fd = memfd();
    snapshot::Writer writer(fd);
    ASSERT_TRUE(writer.header().ok());
    ASSERT_TRUE(guest->save_state(writer).ok());
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    snapshot::Reader reader(fd);
    ASSERT_TRUE(reader.header().ok());
    auto memory = GuestMemory::create(8ull << 20);
    ASSERT_TRUE(memory.ok());
    snapshot::SnapshotLoader loader(*memory);
    auto record = reader.next(&*memory);
    ASSERT_TRUE(record.ok());
    auto taken = loader.accept(*record);
    ASSERT_FALSE(taken.ok());
    EXPECT_NE(taken.error().message.find("memory of 4194304 bytes"), std::string::npos)
        << taken.error().message;
    ::close(fd);
}

} // namespace

// A snapshot is the same on both backends (the Vcpu record holds user-mode
// state, which a VM at CPL 3 and a process share): a guest saved on the
// backend under test restores as a sandboxed process, and one saved as a
// process restores on the backend under test; each counts on exactly once.
TEST(Snapshot, MovesBetweenBackends) {
    SF_REQUIRE_BACKEND();
    BackendOptions options;
    options.choice = BackendChoice::Process;
    options.sandbox_path = test::bin_path("sf-sandbox");
    auto process = open_backend(options);
    ASSERT_TRUE(process.ok()) << process.error().message;
    const std::shared_ptr<const Backend> here = test::backend_or_null();
    const std::pair<std::shared_ptr<const Backend>, std::shared_ptr<const Backend>> moves[] = {
        {here, *process}, {*process, here}};
    for (const auto& [from, to] : moves) {
        SCOPED_TRACE(fmt::format("{} -> {}", backend_name(from->kind()), backend_name(to->kind())));
        Fixture f = ticker("20 10");
        test::CapturingConsole before;
        std::unique_ptr<Guest> guest = start(f, before, from);
        ASSERT_TRUE(guest);
        run_for(*guest, std::chrono::milliseconds(60));
        stop_copy_and_count_on(std::move(guest), f, before.text, 20, to);
    }
}
