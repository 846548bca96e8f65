// superfluid monitor: a Guest's snapshot side (save_state, restore, dirty pages).
// The order of calls for a save and for a migration is in guest.h.
#include "vmm/guest.h"

#include "superfluid/abi.h"
#include "vmm/x86_64/boot_x86_64.h"
#include "vmm/x86_64/vcpu_state_x86_64.h"

#include <algorithm>
#include <iterator>

namespace sf::vmm {
namespace {

using snapshot::GuestStateRecord;
using snapshot::Tag;

template <typename T> std::span<const uint8_t> bytes_of(const T& value) {
    return {reinterpret_cast<const uint8_t*>(&value), sizeof(T)};
}

// The page indices of [gpa, gpa + len).
void add_range_pages(std::vector<uint64_t>& pages, uint64_t gpa, uint64_t len) {
    for (uint64_t page = gpa / SF_PAGE_SIZE; page * SF_PAGE_SIZE < gpa + len; ++page)
        pages.push_back(page);
}

} // namespace

std::optional<uint64_t> Guest::blocked_deadline() const {
    if (!blocked_poll_) return std::nullopt;
    return blocked_poll_->deadline;
}

std::vector<uint64_t> Guest::without_ring_pages(std::vector<uint64_t> pages) const {
    std::vector<uint64_t> rings;
    for (const auto& nic : config_.nics)
        if (auto range = nic->ring_range()) add_range_pages(rings, range->gpa, range->len);
    if (rings.empty()) return pages;
    std::sort(rings.begin(), rings.end());
    std::vector<uint64_t> out;
    out.reserve(pages.size());
    std::set_difference(pages.begin(), pages.end(), rings.begin(), rings.end(), std::back_inserter(out));
    return out;
}

Result<std::vector<uint64_t>> Guest::touched_pages() const {
    SF_TRY_ASSIGN(std::vector<uint64_t> pages, memory_.touched_pages());
    return without_ring_pages(std::move(pages));
}

Result<void> Guest::enable_dirty_log() {
    memory_.start_dirty_tracking();
    Result<void> enabled = cpu_->enable_dirty_log(memory_);
    if (!enabled) memory_.stop_dirty_tracking();
    return enabled;
}

Result<void> Guest::disable_dirty_log() {
    memory_.stop_dirty_tracking();
    return cpu_->disable_dirty_log();
}

Result<std::vector<uint64_t>> Guest::take_dirty_pages() {
    SF_TRY_ASSIGN(std::vector<uint64_t> guest_written, cpu_->dirty_pages());
    const std::vector<uint64_t> host_written = memory_.take_host_dirty_pages();
    std::vector<uint64_t> pages;
    pages.reserve(guest_written.size() + host_written.size());
    std::set_union(guest_written.begin(), guest_written.end(), host_written.begin(), host_written.end(),
                   std::back_inserter(pages));
    const uint64_t first = SF_GUEST_BASE_GPA / SF_PAGE_SIZE;
    std::erase_if(pages, [&](uint64_t page) { return page < first || page >= memory_.page_count(); });
    return without_ring_pages(std::move(pages));
}

Result<void> Guest::save_state(snapshot::Writer& writer) {
    if (finished_)
        return error(ErrorKind::Conflict, "guest '{}' has ended: there is no state to save", config_.name);
    SF_TRY(cpu_->complete_pending_exit());
    GuestStateRecord state{};
    state.mem_size = memory_.size();
    SF_TRY_ASSIGN(state.tsc_hz, cpu_->tsc_hz());
    // The clock and the TSC are read together: both continue from here on restore.
    state.monotonic_ns = clock_.save();
    SF_TRY_ASSIGN(x86_64::VcpuRecord vcpu, cpu_->save_state());
    state.nic_count = static_cast<uint32_t>(config_.nics.size());
    if (config_.store) state.flags |= snapshot::kGuestHasStore;
    if (blocked_poll_) {
        state.flags |= snapshot::kGuestParked;
        state.poll_gpa = blocked_poll_->gpa;
        state.poll_deadline_ns = blocked_poll_->deadline;
    }
    SF_TRY(writer.record(Tag::GuestState, bytes_of(state)));
    SF_TRY(writer.record(Tag::Vcpu, x86_64::encode_vcpu_record(vcpu)));
    std::vector<uint64_t> ring_pages;
    for (size_t i = 0; i < config_.nics.size(); ++i) {
        NicSnapshot nic = config_.nics[i]->snapshot();
        nic.index = static_cast<uint32_t>(i);
        SF_TRY(writer.record(Tag::Nic, bytes_of(nic)));
        if (nic.attached) add_range_pages(ring_pages, nic.rings_gpa, sizeof(sf_net_rings));
    }
    if (config_.store) SF_TRY(writer.record(Tag::StorePort, StorePort::encode(config_.store->snapshot())));
    // The rings after the indices: never older than them (Nic::restore).
    std::sort(ring_pages.begin(), ring_pages.end());
    ring_pages.erase(std::unique(ring_pages.begin(), ring_pages.end()), ring_pages.end());
    return writer.pages(memory_, ring_pages, snapshot::PageCheck::Live);
}

Result<std::unique_ptr<Guest>> Guest::restore(Shell shell, GuestMemory memory, const GuestConfig& config,
                                              ConsoleSink& console, const snapshot::GuestSnapshot& snapshot) {
    SF_TRY(config.validate());
    const GuestStateRecord& state = snapshot.state;
    constexpr ErrorKind kBad = ErrorKind::InvalidArgument;
    if (memory.size() != config.mem_size || state.mem_size != config.mem_size)
        return error(kBad, "snapshot of a {} byte guest restored as {} bytes (memory {})", state.mem_size,
                     config.mem_size, memory.size());
    if (config.nics.size() != state.nic_count || snapshot.nics.size() != state.nic_count)
        return error(kBad, "snapshot of a guest with {} NICs restored with {}", state.nic_count,
                     config.nics.size());
    if ((state.flags & snapshot::kGuestHasStore) != 0 && !config.store)
        return error(kBad, "snapshot of a guest with a store restored without one");
    SF_TRY(x86_64::check_vcpu_record(snapshot.vcpu, memory.size()));
    SF_TRY(shell.cpu->match_tsc_hz(state.tsc_hz));
    SF_TRY(shell.cpu->attach_memory(memory));
    std::unique_ptr<Guest> guest(new Guest(config, std::move(memory), std::move(shell), console));
    guest->write_boot_info(state.tsc_hz);
    SF_TRY(guest->cpu_->reset(snapshot.vcpu.regs.rip, guest->memory_.size(), SF_BOOT_INFO_GPA));
    SF_TRY(guest->restore_devices(snapshot));
    if ((state.flags & snapshot::kGuestParked) != 0) {
        if (guest->memory_.guest_struct<sf_hc_poll>(state.poll_gpa, Access::Write) == nullptr)
            return error(kBad, "snapshot: parked in a poll at {:#x}, outside the guest's memory",
                         state.poll_gpa);
        guest->blocked_poll_ = BlockedPoll{state.poll_gpa, state.poll_deadline_ns};
    }
    // The clock and the TSC restart together, from where they were saved.
    guest->clock_ = GuestClock::resumed_at(state.monotonic_ns);
    SF_TRY_ASSIGN(uint64_t tsc_now, guest->cpu_->restore_state(snapshot.vcpu, guest->memory_.size()));
    guest->follow_tsc(*x86_64::record_msr(snapshot.vcpu, x86_64::kMsrTsc), tsc_now, state);
    return guest;
}

// Where the host ignored the TSC write, the guest's rdtsc did not stand still
// while it was saved: move the clock by as much, so that rdtsc-based time in
// the guest (its runtime mixes both) and the clock hypercall stay together.
// A TSC that went back (another host) cannot be followed: the clock is
// monotonic, so it stays at the saved time (the guest's rdtsc time lags).
void Guest::follow_tsc(uint64_t saved_tsc, uint64_t tsc_now, const snapshot::GuestStateRecord& state) {
    const uint64_t slack = state.tsc_hz / 20; // 50 ms: the time restore_vcpu_state took, generously
    tsc_continued_ = tsc_now >= saved_tsc ? tsc_now - saved_tsc <= slack : saved_tsc - tsc_now <= slack;
    if (tsc_continued_ || tsc_now < saved_tsc) return;
    const unsigned __int128 ahead_ns =
        static_cast<unsigned __int128>(tsc_now - saved_tsc) * 1000000000u / state.tsc_hz;
    const uint64_t ahead = ahead_ns > UINT64_MAX - state.monotonic_ns ? UINT64_MAX - state.monotonic_ns
                                                                      : static_cast<uint64_t>(ahead_ns);
    clock_ = GuestClock::resumed_at(state.monotonic_ns + ahead);
}

Result<void> Guest::restore_devices(const snapshot::GuestSnapshot& snapshot) {
    for (size_t i = 0; i < config_.nics.size(); ++i)
        SF_TRY(config_.nics[i]->restore(memory_, snapshot.nics[i]));
    if (snapshot.store && config_.store) config_.store->restore(*snapshot.store);
    return ok();
}

} // namespace sf::vmm
