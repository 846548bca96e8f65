// superfluid monitor: collecting a guest's monitor records from a stream.
#include "vmm/snapshot/loader.h"

#include "superfluid/abi.h"

#include <cstring>

namespace sf::vmm::snapshot {
namespace {

template <typename T> Result<T> fixed_record(std::span<const uint8_t> payload, const char* what) {
    if (payload.size() != sizeof(T))
        return error("snapshot {}: {} bytes (the record is {})", what, payload.size(), sizeof(T));
    T value{};
    std::memcpy(&value, payload.data(), sizeof(T));
    return value;
}

} // namespace

Result<bool> SnapshotLoader::accept(const Record& record) {
    switch (record.tag) {
    case Tag::Memory: SF_TRY(accept_memory(record)); return true;
    case Tag::GuestState: SF_TRY(accept_guest_state(record.payload)); return true;
    case Tag::Vcpu: SF_TRY(accept_vcpu(record.payload)); return true;
    case Tag::Nic: SF_TRY(accept_nic(record.payload)); return true;
    case Tag::StorePort: SF_TRY(accept_store(record.payload)); return true;
    default: return false;
    }
}

// A Memory record: already in memory (Reader::next(&memory)), or as bytes to
// check and copy like Reader::read_pages does.
Result<void> SnapshotLoader::accept_memory(const Record& record) {
    if (record.payload.empty()) {
        snapshot_.pages += record.pages;
        return ok();
    }
    const std::span<const uint8_t> payload = record.payload;
    MemoryRecordHeader batch{};
    if (payload.size() < sizeof(batch))
        return error("snapshot Memory: {} bytes is too short", payload.size());
    std::memcpy(&batch, payload.data(), sizeof(batch));
    if (batch.count == 0 || batch.count > kMaxPagesPerRecord ||
        payload.size() != memory_record_length(batch.count))
        return error("snapshot Memory: {} pages in {} bytes", batch.count, payload.size());
    const uint64_t first = SF_GUEST_BASE_GPA / kPageSize;
    const uint8_t* indices = payload.data() + sizeof(batch);
    const uint8_t* pages = indices + uint64_t{batch.count} * sizeof(uint64_t);
    uint64_t previous = 0;
    for (uint32_t i = 0; i < batch.count; ++i) {
        uint64_t index = 0;
        std::memcpy(&index, indices + i * sizeof(uint64_t), sizeof(index));
        if (index < first || index >= memory_.page_count())
            return error("snapshot Memory: page {} is outside the guest's pages [{}, {})", index, first,
                         memory_.page_count());
        if (i > 0 && index <= previous)
            return error("snapshot Memory: page indices not ascending ({} after {})", index, previous);
        previous = index;
    }
    for (uint32_t i = 0; i < batch.count; ++i) {
        uint64_t index = 0;
        std::memcpy(&index, indices + i * sizeof(uint64_t), sizeof(index));
        std::memcpy(memory_.host_base() + index * kPageSize, pages + uint64_t{i} * kPageSize, kPageSize);
    }
    snapshot_.pages += batch.count;
    return ok();
}

Result<void> SnapshotLoader::accept_guest_state(std::span<const uint8_t> payload) {
    if (have_state_) return error("snapshot: a second GuestState record");
    SF_TRY_ASSIGN(GuestStateRecord state, fixed_record<GuestStateRecord>(payload, "GuestState"));
    if (state.mem_size != memory_.size())
        return error("snapshot GuestState: memory of {} bytes, but the guest being built has {}",
                     state.mem_size, memory_.size());
    if (state.nic_count > SF_NIC_MAX)
        return error("snapshot GuestState: {} NICs (at most {})", state.nic_count, SF_NIC_MAX);
    if ((state.flags & ~kKnownGuestFlags) != 0)
        return error("snapshot GuestState: unknown flags {:#x}", state.flags);
    if (state.tsc_hz == 0) return error("snapshot GuestState: TSC frequency 0");
    if ((state.flags & kGuestParked) != 0 &&
        memory_.guest_struct<sf_hc_poll>(state.poll_gpa, Access::Write) == nullptr)
        return error(
            "snapshot GuestState: parked in a poll whose struct at {:#x} is outside the guest's memory "
            "or misaligned",
            state.poll_gpa);
    snapshot_.state = state;
    have_state_ = true;
    return ok();
}

Result<void> SnapshotLoader::accept_vcpu(std::span<const uint8_t> payload) {
    if (have_vcpu_) return error("snapshot: a second Vcpu record");
    SF_TRY_ASSIGN(snapshot_.vcpu, x86_64::decode_vcpu_record(payload));
    SF_TRY(x86_64::check_vcpu_record(snapshot_.vcpu, memory_.size()));
    have_vcpu_ = true;
    return ok();
}

Result<void> SnapshotLoader::accept_nic(std::span<const uint8_t> payload) {
    SF_TRY_ASSIGN(NicSnapshot nic, fixed_record<NicSnapshot>(payload, "Nic"));
    if (nic.index >= SF_NIC_MAX)
        return error("snapshot Nic: index {} (at most {} NICs)", nic.index, SF_NIC_MAX);
    if ((nic_seen_ & (1u << nic.index)) != 0)
        return error("snapshot: a second Nic record for NIC {}", nic.index);
    if (nic.attached > 1) return error("snapshot Nic {}: attached = {} (0 or 1)", nic.index, nic.attached);
    if (nic.attached == 1 &&
        (nic.rings_gpa % 64 != 0 || !memory_.guest_span(nic.rings_gpa, sizeof(sf_net_rings), Access::Read)))
        return error("snapshot Nic {}: rings at {:#x} are misaligned or outside the guest's memory",
                     nic.index, nic.rings_gpa);
    nic_seen_ |= 1u << nic.index;
    if (snapshot_.nics.size() <= nic.index) snapshot_.nics.resize(nic.index + 1);
    snapshot_.nics[nic.index] = nic;
    return ok();
}

Result<void> SnapshotLoader::accept_store(std::span<const uint8_t> payload) {
    if (snapshot_.store) return error("snapshot: a second StorePort record");
    SF_TRY_ASSIGN(StorePortSnapshot store, StorePort::decode(payload));
    snapshot_.store = std::move(store);
    return ok();
}

Result<GuestSnapshot> SnapshotLoader::finish() && {
    if (!have_state_) return error("snapshot: no GuestState record");
    if (!have_vcpu_) return error("snapshot: no Vcpu record");
    const uint32_t count = snapshot_.state.nic_count;
    if (nic_seen_ != (1u << count) - 1)
        return error("snapshot: GuestState names {} NICs, but the Nic records are not exactly 0 .. {}", count,
                     static_cast<int>(count) - 1);
    const bool has_store = (snapshot_.state.flags & kGuestHasStore) != 0;
    if (has_store != snapshot_.store.has_value())
        return error("snapshot: GuestState says {} store, but {} StorePort record came",
                     has_store ? "a" : "no", snapshot_.store ? "a" : "no");
    return std::move(snapshot_);
}

} // namespace sf::vmm::snapshot
