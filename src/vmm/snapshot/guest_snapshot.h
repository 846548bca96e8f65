// superfluid monitor: GuestSnapshot, a guest's monitor state read from a stream.
//
// The GuestState record's payload (GuestStateRecord) and everything a
// SnapshotLoader collects for Guest::restore(). Memory is not here: its
// pages go straight into the GuestMemory the guest will own.
#pragma once

#include "vmm/devices/nic.h"
#include "vmm/devices/store_port.h"
#include "vmm/x86_64/vcpu_record_x86_64.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sf::vmm::snapshot {

// GuestStateRecord::flags
inline constexpr uint32_t kGuestParked = 1u << 0;   // parked in poll: poll_gpa, poll_deadline_ns valid
inline constexpr uint32_t kGuestHasStore = 1u << 1; // a StorePort record follows
inline constexpr uint32_t kKnownGuestFlags = kGuestParked | kGuestHasStore;

// The GuestState record's payload (Tag::GuestState). Fixed width.
struct GuestStateRecord {
    uint64_t mem_size;         // bytes of guest memory
    uint64_t monotonic_ns;     // the guest clock when saved (it continues from here)
    uint64_t tsc_hz;           // the vCPU's TSC frequency (a receiver must match it)
    uint32_t nic_count;        // Nic records that belong to it, <= SF_NIC_MAX
    uint32_t flags;            // kGuest*
    uint64_t poll_gpa;         // kGuestParked: its sf_hc_poll struct
    uint64_t poll_deadline_ns; // kGuestParked: guest monotonic
    uint64_t reserved[2];      // 0
};
static_assert(sizeof(GuestStateRecord) == 64);

struct GuestSnapshot {
    GuestStateRecord state{};
    x86_64::VcpuRecord vcpu{};
    std::vector<NicSnapshot> nics;          // nics[i].index == i
    std::optional<StorePortSnapshot> store; // when kGuestHasStore
    uint64_t pages = 0;                     // pages loaded into memory
};

} // namespace sf::vmm::snapshot
