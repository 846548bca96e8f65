// superfluid worker: the layouts of the snapshot records a worker writes
// itself (docs/migration.md, "One stream": Console, Watches, GuestEnd).
//
// The record framing (tag, flags, length, checksum) is the monitor's
// (vmm/snapshot/format.h); these are the payloads. Little-endian, fixed
// width, each starting with its own version: a reader refuses another one.
//
// Console (tag 32): ConsoleRecord, then `kept` bytes of the console ring,
//   oldest first (kept <= total).
// Watches (tag 33): WatchesRecord, then `count` entries, each a WatchEntry
//   and its path and token bytes (no NULs in either); count is at most the
//   store's watches a guest (store::kWatchesPerConnection, 128).
// GuestEnd (tag 48): GuestEndRecord: the guest part's records and payload
//   bytes before it, so a reader knows it saw all of them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sf::host::records {

inline constexpr uint32_t kConsoleVersion = 1;
inline constexpr uint32_t kWatchesVersion = 1;
inline constexpr uint32_t kGuestEndVersion = 1;

struct ConsoleRecord {
    uint32_t version;  // kConsoleVersion
    uint32_t reserved; // 0
    uint64_t total;    // bytes the guest ever wrote
    uint64_t kept;     // bytes that follow
};
static_assert(sizeof(ConsoleRecord) == 24);
static_assert(offsetof(ConsoleRecord, total) == 8);

struct WatchesRecord {
    uint32_t version; // kWatchesVersion
    uint32_t count;   // entries that follow
};
static_assert(sizeof(WatchesRecord) == 8);

struct WatchEntry {
    uint32_t path_length; // bytes of the path, then of the token
    uint32_t token_length;
};
static_assert(sizeof(WatchEntry) == 8);
// A watch's path and token are each at most this long (XenStore's payload limit).
inline constexpr uint32_t kMaxWatchField = 4096;

struct GuestEndRecord {
    uint32_t version;  // kGuestEndVersion
    uint32_t reserved; // 0
    uint64_t records;  // records of the guest part before this one
    uint64_t bytes;    // their bytes, headers included
};
static_assert(sizeof(GuestEndRecord) == 24);
static_assert(offsetof(GuestEndRecord, records) == 8);

} // namespace sf::host::records
